import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonPoints } from "./json-points.js";
import { parseLineProtocol } from "./line-protocol.js";
import { otlpPoints } from "./otlp-metrics.js";
import { MAX_REFUSALS } from "./point.js";
import { decodeRemoteWrite, remoteWritePoints, WriteRequest } from "./prom-remote-write.js";

/**
 * A refusal costs far more than a good point (a zod error, an exception, a message), so a body
 * of nothing but bad items held the event loop for seconds: 1 MiB of `{}` in a JSON array took
 * about 10 s, of bad lines 3 s, of empty OTLP data points 7 s. Past `MAX_REFUSALS` the parse
 * stops and the whole request is refused with one coded 400; nothing of it is stored.
 */

/** Runs `parse` and returns the ApiError it throws (fails when it throws none). */
function refusal(parse: () => unknown): ApiError {
  try {
    parse();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected the request to be refused");
}

describe("a request refusing more than MAX_REFUSALS points", () => {
  it("JSON: stops reading at the refusal past the cap and refuses the whole request", () => {
    let readPastCap = 0;
    const items: unknown[] = [{ name: "good", value: 1 }];
    for (let i = 0; i < MAX_REFUSALS + 1; i++) items.push({ name: "bad", value: "x" });
    // Items after the one that crosses the cap must not even be looked at.
    for (let i = 0; i < 1000; i++)
      items.push(
        new Proxy(
          {},
          {
            get() {
              readPastCap++;
              return undefined;
            },
            ownKeys() {
              readPastCap++;
              return [];
            },
          },
        ),
      );
    const err = refusal(() => parseJsonPoints(items));
    expect(err.status).toBe(400);
    expect(err.code).toBe(ApiErrorCode.TooManyRefusals);
    expect(err.message).toMatch(
      /^more than 10000 points refused in one request, so nothing of it was stored; the first: item 1: value: /,
    );
    expect(readPastCap).toBe(0);
  });

  it("JSON: at the cap exactly, the good points are still kept", () => {
    const items: unknown[] = [{ name: "good", value: 1 }];
    for (let i = 0; i < MAX_REFUSALS; i++) items.push({ name: "bad", value: "x" });
    const r = parseJsonPoints(items);
    expect(r.points).toHaveLength(1);
    expect(r.rejected).toHaveLength(MAX_REFUSALS);
  });

  it("line protocol: refuses the request at the line past the cap", () => {
    const body = ["good v=1", ...Array.from({ length: MAX_REFUSALS + 5 }, () => "bad"), "good2 v=2"].join("\n");
    const err = refusal(() => parseLineProtocol(Buffer.from(body)));
    expect(err.code).toBe(ApiErrorCode.TooManyRefusals);
    expect(err.message).toMatch(/the first: line 2: missing field set$/);
    const atCap = ["good v=1", ...Array.from({ length: MAX_REFUSALS }, () => "bad")].join("\n");
    expect(parseLineProtocol(Buffer.from(atCap)).points).toHaveLength(1);
  });

  it("OTLP: refuses the request at the data point past the cap", () => {
    const dataPoints = [{ asDouble: 1 }, ...Array.from({ length: MAX_REFUSALS + 1 }, () => ({}))];
    const err = refusal(() =>
      otlpPoints({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "m", gauge: { dataPoints } }] }] }] }),
    );
    expect(err.code).toBe(ApiErrorCode.TooManyRefusals);
    expect(err.message).toMatch(/the first: item 1: m: data point without a value$/);
  });

  it("Prometheus remote write: refuses the request at the series past the cap", () => {
    const sample = { value: 1, timestamp: Date.now() };
    const timeseries = [
      { labels: [{ name: "__name__", value: "good" }], samples: [sample] },
      ...Array.from({ length: MAX_REFUSALS + 1 }, () => ({ labels: [{ name: "job", value: "x" }], samples: [sample] })),
    ];
    const raw = WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
    const decoded = decodeRemoteWrite(Buffer.from(snappy.compress(Buffer.from(raw))), 16 * 1024 * 1024);
    const err = refusal(() => remoteWritePoints(decoded));
    expect(err.code).toBe(ApiErrorCode.TooManyRefusals);
    expect(err.message).toMatch(/the first: item 1: no "__name__" label \(1 samples\)$/);
  });
});
