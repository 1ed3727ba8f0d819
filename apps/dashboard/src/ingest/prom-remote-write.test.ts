import fc from "fast-check";
import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.js";
import { formatSeriesId } from "../series/series-id.js";
import { decodeRemoteWrite, remoteWritePoints, WriteRequest } from "./prom-remote-write.js";

const encode = (request: object) =>
  Buffer.from(snappy.compress(Buffer.from(WriteRequest.encode(WriteRequest.fromObject(request)).finish())));

describe("Prometheus remote write decoding", () => {
  it("maps __name__ to the name and the other labels to tags, sample by sample", () => {
    const body = encode({
      timeseries: [
        {
          labels: [
            { name: "__name__", value: "up" },
            { name: "job", value: "node" },
            { name: "instance", value: "a:9100" },
            { name: "empty", value: "" },
          ],
          samples: [
            { value: 1, timestamp: 1700000000000 },
            { value: 0, timestamp: 1700000001000 },
            { value: Number.POSITIVE_INFINITY, timestamp: 1700000002000 },
          ],
          exemplars: [Buffer.from([1])],
        },
      ],
    });
    const r = remoteWritePoints(decodeRemoteWrite(body, 1 << 20));
    expect(r.points.map((p) => [formatSeriesId(p.name, p.tags), p.value, p.ts, p.origin])).toEqual([
      ["up,instance=a:9100,job=node", 1, 1700000000000, 0],
      ["up,instance=a:9100,job=node", 0, 1700000001000, 0],
    ]);
    expect(r.ignored).toBe(2); // +Inf and the exemplar
    expect(r.rejected).toEqual([]);
  });

  it("never fails but with a coded ApiError on random bytes, compressed or not (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, compress) => {
        const body = compress ? Buffer.from(snappy.compress(Buffer.from(bytes))) : Buffer.from(bytes);
        try {
          remoteWritePoints(decodeRemoteWrite(body, 1 << 20));
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError);
          expect((err as ApiError).status === 400 || (err as ApiError).status === 413).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
