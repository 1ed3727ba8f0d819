import { describe, expect, it } from "vitest";
import { otlpPoints } from "./otlp-metrics.js";

/** A resource attribute whose `value` counts how often it is read. */
function countedAttribute(key: string, reads: { n: number }) {
  return {
    key,
    get value() {
      reads.n++;
      return { stringValue: "v" };
    },
  };
}

/** One resource with `attributes` and one gauge of `points` data points. */
function request(attributes: unknown[], points: number) {
  const dataPoints = Array.from({ length: points }, () => ({ asDouble: 1 }));
  return {
    resourceMetrics: [
      {
        resource: { attributes },
        scopeMetrics: [{ scope: { name: "lib" }, metrics: [{ name: "m", gauge: { dataPoints } }] }],
      },
    ],
  };
}

describe("OTLP: the work of a request grows with its size, not with its square", () => {
  it("reads a resource's attributes once, not once per data point", () => {
    // Before: every data point re-read every resource attribute, so n attributes × m points
    // (a 420 KB protobuf body with 20,000 of each held the event loop for 13 s).
    const reads = { n: 0 };
    const attributes = Array.from({ length: 20 }, (_, i) => countedAttribute(`k${i}`, reads));
    const r = otlpPoints(request(attributes, 500));
    expect(r.points).toHaveLength(500);
    expect(r.points[0]?.tags).toMatchObject({ k0: "v", k19: "v", "otel.scope.name": "lib" });
    expect(reads.n).toBe(20);
  });

  it("refuses every data point of a resource with too many attributes, reading them once", () => {
    const reads = { n: 0 };
    const attributes = Array.from({ length: 1000 }, (_, i) => countedAttribute(`k${i}`, reads));
    const r = otlpPoints(request(attributes, 300));
    expect(r.points).toHaveLength(0);
    expect(r.rejected).toHaveLength(300);
    expect(r.rejected[299]).toMatchObject({ index: 299, error: "m: at most 32 tags are allowed" });
    expect(reads.n).toBe(1000);
  });

  it("still refuses a data point whose own attribute contradicts the resource's", () => {
    const r = otlpPoints({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "host", value: { stringValue: "a" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "m",
                  gauge: {
                    dataPoints: [
                      { asDouble: 1, attributes: [{ key: "host", value: { stringValue: "b" } }] },
                      { asDouble: 2, attributes: [{ key: "host", value: { stringValue: "a" } }] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(r.points.map((p) => p.value)).toEqual([2]);
    expect(r.rejected[0]?.error).toMatch(/attribute "host" has two values/);
  });
});
