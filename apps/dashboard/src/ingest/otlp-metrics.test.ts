import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeText, type OtlpMetricsRequest, OtlpShapeError, otlpPoints } from "./otlp-metrics.js";
import { ExportMetricsServiceRequest } from "./otlp-proto.js";

const NOW = "1700000000123456789";
/** A request with one resource, one scope and `metrics`. */
const request = (
  metrics: unknown[],
  resource: Array<[string, string]> = [["service.name", "svc"]],
): OtlpMetricsRequest => ({
  resourceMetrics: [
    {
      resource: { attributes: resource.map(([key, v]) => ({ key, value: { stringValue: v } })) },
      scopeMetrics: [{ scope: { name: "lib", version: "2" }, metrics: metrics as never }],
    },
  ],
});
const rows = (r: ReturnType<typeof otlpPoints>) =>
  r.points.map((p) => [p.name, { ...p.tags }, p.value, p.ts, p.origin]);

describe("OTLP metrics to points", () => {
  it("renders attribute values as text, empty ones absent", () => {
    expect(attributeText({ stringValue: "a" })).toBe("a");
    expect(attributeText({ stringValue: "" })).toBeUndefined();
    expect(attributeText({ boolValue: false })).toBe("false");
    expect(attributeText({ intValue: "9007199254740993" })).toBe("9007199254740993");
    expect(attributeText({ doubleValue: 0.5 })).toBe("0.5");
    expect(attributeText({ bytesValue: "AAE=" })).toBe("AAE=");
    expect(attributeText({ arrayValue: { values: [{ stringValue: "x" }, { intValue: 2 }] } })).toBe('["x","2"]');
    expect(attributeText({ kvlistValue: { values: [{ key: "k", value: { boolValue: true } }] } })).toBe('{"k":"true"}');
    expect(attributeText({})).toBeUndefined();
    let deep: { arrayValue: { values: unknown[] } } = { arrayValue: { values: [] } };
    for (let i = 0; i < 20; i++) deep = { arrayValue: { values: [deep] } };
    expect(() => attributeText(deep as never)).toThrow(/nested deeper/);
  });

  it("maps gauges and sums to their value, with resource, scope and point attributes as tags", () => {
    const r = otlpPoints(
      request([
        {
          name: "g",
          gauge: {
            dataPoints: [{ asDouble: 1.5, timeUnixNano: NOW, attributes: [{ key: "k", value: { stringValue: "v" } }] }],
          },
        },
        {
          name: "s",
          sum: {
            aggregationTemporality: 1,
            isMonotonic: true,
            dataPoints: [{ asInt: "42", timeUnixNano: 1700000000000000000 }],
          },
        },
      ]),
    );
    expect(r.rejected).toEqual([]);
    expect(rows(r)).toEqual([
      ["g", { "service.name": "svc", "otel.scope.name": "lib", k: "v" }, 1.5, 1700000000123, 0],
      ["s", { "service.name": "svc", "otel.scope.name": "lib" }, 42, 1700000000000, 1],
    ]);
  });

  it("turns histograms into count, sum, min and max; buckets are counted as ignored", () => {
    const r = otlpPoints(
      request([
        {
          name: "h",
          histogram: {
            dataPoints: [
              {
                count: "3",
                sum: 6,
                min: 1,
                max: 3,
                bucketCounts: ["1", "1", "1", "0"],
                explicitBounds: [1, 2, 3],
                timeUnixNano: NOW,
              },
            ],
          },
        },
        {
          name: "e",
          exponentialHistogram: {
            dataPoints: [{ count: "2", sum: 4, positive: { offset: 0, bucketCounts: ["2"] }, timeUnixNano: NOW }],
          },
        },
      ]),
    );
    expect(r.points.map((p) => [p.name, p.value])).toEqual([
      ["h.count", 3],
      ["h.sum", 6],
      ["h.min", 1],
      ["h.max", 3],
      ["e.count", 2],
      ["e.sum", 4],
    ]);
    expect(r.ignored).toBe(5);
  });

  it("turns summaries into count, sum and one quantile-tagged series per quantile", () => {
    const r = otlpPoints(
      request([
        {
          name: "q",
          summary: {
            dataPoints: [
              {
                count: "10",
                sum: 5,
                quantileValues: [
                  { quantile: 0.5, value: 0.4 },
                  { quantile: 0.99, value: 0.9 },
                ],
              },
            ],
          },
        },
      ]),
    );
    expect(r.points.map((p) => [p.name, p.tags?.quantile, p.value])).toEqual([
      ["q.count", undefined, 10],
      ["q.sum", undefined, 5],
      ["q", "0.5", 0.4],
      ["q", "0.99", 0.9],
    ]);
    expect(r.points[0]?.ts).toBeUndefined(); // no time: "now" at ingest
  });

  it("ignores no-value flags and NaN; refuses unsafe integers, clashing attributes and bad names, by index", () => {
    const r = otlpPoints(
      request([
        {
          name: "m",
          gauge: {
            dataPoints: [
              { asDouble: 1, flags: 1 },
              { asDouble: "NaN" },
              { asInt: "-9007199254740993" },
              { asDouble: 2, attributes: [{ key: "service.name", value: { stringValue: "other" } }] },
              { asDouble: 3, attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
              {},
            ],
          },
        },
        { name: "", gauge: { dataPoints: [{ asDouble: 1 }] } },
      ]),
    );
    expect(r.ignored).toBe(2);
    expect(r.points.map((p) => [p.origin, p.value])).toEqual([[4, 3]]);
    expect(r.rejected.map((x) => [x.index, x.error])).toEqual([
      [2, expect.stringMatching(/beyond ±2\^53/)],
      [3, 'm: attribute "service.name" has two values (data point: "other")'],
      [5, "m: data point without a value"],
      [6, "(no name): name must not be empty"],
    ]);
  });

  it("reads the protobuf encoding to the same objects (int64 as strings)", () => {
    const encoded = ExportMetricsServiceRequest.encode(
      ExportMetricsServiceRequest.fromObject(
        request([
          {
            name: "p",
            sum: { dataPoints: [{ asInt: 7, timeUnixNano: NOW, attributes: [{ key: "n", value: { intValue: 5 } }] }] },
          },
        ]),
      ),
    ).finish();
    const decoded = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(encoded), {
      longs: String,
      bytes: String,
    });
    expect(rows(otlpPoints(decoded as OtlpMetricsRequest))).toEqual([
      ["p", { "service.name": "svc", "otel.scope.name": "lib", n: "5" }, 7, 1700000000123, 0],
    ]);
  });
});

describe("OTLP/JSON of the wrong shape", () => {
  it("refuses a body whose structure is not a request, and a data point whose values are not numbers", () => {
    expect(() => otlpPoints({ resourceMetrics: 5 })).toThrow(OtlpShapeError);
    expect(() => otlpPoints([1])).toThrow(/body: expected an object/);
    expect(() => otlpPoints({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 5 }] }] }] })).toThrow(
      /metric.name/,
    );
    const r = otlpPoints(
      request([
        {
          name: "w",
          gauge: {
            dataPoints: [
              { asInt: "abc" },
              { asDouble: "1e3" },
              { asDouble: {} },
              { asDouble: 1, attributes: [{ key: "k", value: { arrayValue: { values: 5 } } }] },
              { asDouble: 1, flags: "1" },
              { asDouble: 2, timeUnixNano: { n: 1 } },
            ],
          },
        },
      ]),
    );
    expect(r.points.map((p) => [p.origin, p.value])).toEqual([[1, 1000]]);
    expect(r.rejected.map((x) => [x.index, x.error])).toEqual([
      [0, "w: value: not an integer"],
      [2, "w: value: not a number"],
      [3, "w: arrayValue: values: expected an array"],
      [4, "w: flags: expected a number"],
      [5, "w: timeUnixNano: expected an integer"],
    ]);
  });
});

describe("OTLP input fuzzing (property)", () => {
  it("any JSON value gives points, refusals, or a shape error; nothing else is thrown", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        try {
          otlpPoints(value);
        } catch (err) {
          expect(err).toBeInstanceOf(OtlpShapeError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("any decodable protobuf gives points or refusals", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        let decoded: unknown;
        try {
          decoded = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(bytes), {
            longs: String,
            bytes: String,
          });
        } catch {
          return; // the route answers 400
        }
        otlpPoints(decoded);
      }),
      { numRuns: 500 },
    );
  });
});
