import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ApiError, ApiErrorCode } from "../errors.js";
import { type ErrorLog, sendError } from "./respond.js";

/** What a client receives when a handler fails with `err` (a real server on port 0). */
async function answerTo(
  err: unknown,
  log: ErrorLog,
): Promise<{ status: number; body: string; requestId: string | null }> {
  const server = http.createServer((_req, res) => sendError(res, err, log));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: res.status, body: await res.text(), requestId: res.headers.get("x-request-id") };
  } finally {
    server.close();
  }
}

describe("sendError", () => {
  it("answers a thrown Error with 500 'internal error' and a request id that is in the log, never its message", async () => {
    const logged: Array<[unknown, string]> = [];
    const { status, body, requestId } = await answerTo(
      new RangeError("Maximum call stack size exceeded at secret.ts:12"),
      (err, id) => logged.push([err, id]),
    );
    expect(status).toBe(500);
    const sent = JSON.parse(body) as { error: { code: number; message: string; requestId: string } };
    expect(sent.error.code).toBe(ApiErrorCode.Internal);
    expect(sent.error.message).toBe("internal error");
    expect(body).not.toMatch(/Maximum|secret/);
    expect(sent.error.requestId).toMatch(/^[0-9a-f]{16}$/);
    expect(requestId).toBe(sent.error.requestId);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.[1]).toBe(sent.error.requestId);
    expect(String(logged[0]?.[0])).toMatch(/Maximum call stack/);
  });

  it("keeps a 5xx ApiError's internal message in the log (a follower's 503 leaked a peer's stack overflow)", async () => {
    const logged: string[] = [];
    const err = new ApiError(
      503,
      ApiErrorCode.Unavailable,
      "rollup leader unavailable (cannot reach node n1: Maximum call stack size exceeded); retry",
    );
    const { status, body } = await answerTo(err, (_e, id) => logged.push(id));
    expect(status).toBe(503);
    const sent = JSON.parse(body) as { error: { code: number; message: string; requestId: string } };
    expect(sent.error).toEqual({
      code: ApiErrorCode.Unavailable,
      message: "service unavailable",
      requestId: logged[0],
    });
  });

  it("sends a 4xx's message as is and logs nothing (it is about the client's own input)", async () => {
    let logs = 0;
    const err = new ApiError(400, ApiErrorCode.InvalidField, "panels.0.kind: invalid option");
    const { status, body } = await answerTo(err, () => logs++);
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({
      error: { code: ApiErrorCode.InvalidField, message: "panels.0.kind: invalid option" },
    });
    expect(logs).toBe(0);
  });
});
