import { NatsBroker } from "@dashwire/broker-nats";
import { brokerContract } from "@dashwire/server/testing";
import { afterAll } from "vitest";
import { deleteStreams } from "./test-streams.js";

const url = process.env.DASHWIRE_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
// Streams and subjects of this run only; deleted at the end.
const id = `${process.pid}_${Date.now()}`;
const stream = `DWTEST_C${id}`;

brokerContract("nats", {
  create: () =>
    new NatsBroker({ connection: url, prefix: `dwtest.c${id}`, stream, storage: "memory", topicTtlMs: 60_000 }),
  multiNode: true,
});

afterAll(() => deleteStreams(url, [stream]));
