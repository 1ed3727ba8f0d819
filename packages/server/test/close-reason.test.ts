import { CloseCode } from "@dashwire/protocol";
import { DashwireError } from "@dashwire/server";
import { afterEach, expect, it } from "vitest";
import { startServer, type TestServer, watchProcess } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.server.close();
});

it("a refusal reason cut at 123 bytes inside a character still closes cleanly", async () => {
  const watch = watchProcess();
  t = await startServer();
  t.server.useConnect(() => {
    throw new DashwireError(10001, `${"a".repeat(122)}é€`);
  });
  const c = await RawClient.open(t.url);
  c.send({ t: "connect", v: 1 });
  expect(await c.closed()).toBe(CloseCode.Rejected);
  expect(c.closeReason).toBe("a".repeat(122));
  watch.stop();
  expect(watch.failures).toEqual([]);
});
