import type { Frame } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { NodeChannel } from "./node-channel.js";
import { GONE, type HttpTransports, pollSeq, type TransportRelay } from "./transport/http-transports.js";
import type { PollResponder } from "./transport/polling-transport.js";

/** A poll held here for a transport of another node. */
interface RelayedPoll {
  responder: PollResponder;
  abort: AbortController;
}

/**
 * No sticky sessions (design decision 5): an HTTP transport lives on the node that opened it,
 * and a POST or poll that a round-robin balancer sends to another node is carried to that home
 * node over the node channel (a poll is a request its home node answers when it has frames).
 */
export class NodeRelay implements TransportRelay {
  /** Polls relayed from this node, waiting for the home node's answer. */
  private readonly waiting = new Set<RelayedPoll>();
  /** Set by `release()`: this node stops, polls relayed through it are not held any more. */
  private released = false;

  constructor(
    private readonly channel: NodeChannel,
    transports: HttpTransports,
    private readonly logger: Logger,
    /** Longest a relayed poll waits for the home node (ms). */
    private readonly pollWaitMs: number,
  ) {
    channel.on("relay.send", (b) => {
      const { tid, f } = b as { tid?: unknown; f?: unknown };
      const frame = fromWire(f);
      if (typeof tid === "string" && frame !== undefined) transports.deliver(tid, frame);
    });
    channel.on("relay.close", (b) => {
      const { tid } = b as { tid?: unknown };
      if (typeof tid === "string") transports.end(tid);
    });
    channel.on(
      "relay.poll",
      (b, ctx) =>
        new Promise<WireFrame>((resolve) => {
          const { tid, seq } = b as { tid?: unknown; seq?: unknown };
          const responder: PollResponder = {
            respond: (body) => resolve(toWire(body)),
            onAbort: (listener) => ctx.signal?.addEventListener("abort", listener),
          };
          if (
            typeof tid !== "string" ||
            !transports.poll(tid, responder, typeof seq === "number" ? pollSeq(String(seq)) : undefined)
          )
            resolve(toWire(GONE));
        }),
    );
  }

  send(home: string, tid: string, frame: Frame): void {
    this.post(home, "relay.send", { tid, f: toWire(frame) });
  }

  close(home: string, tid: string): void {
    this.post(home, "relay.close", { tid });
  }

  poll(home: string, tid: string, responder: PollResponder, seq?: number): void {
    if (this.released) {
      responder.respond("");
      return;
    }
    const poll: RelayedPoll = { responder, abort: new AbortController() };
    this.waiting.add(poll);
    responder.onAbort(() => {
      if (this.waiting.delete(poll)) poll.abort.abort();
    });
    // No answer from the home node in time, or it went away: so did the transport.
    this.channel.request(home, "relay.poll", { tid, seq }, this.pollWaitMs, poll.abort.signal).then(
      (body) => this.answer(poll, fromWire(body) ?? GONE),
      () => this.answer(poll, GONE),
    );
  }

  /** Polls held here for clients of other nodes, waiting for their home node's answer. */
  get waitingPolls(): number {
    return this.waiting.size;
  }

  /**
   * This node stops: every poll still waiting, and every one relayed through it from now on, is
   * answered with nothing new, so its client polls again elsewhere.
   */
  release(): void {
    this.released = true;
    for (const poll of [...this.waiting]) {
      this.answer(poll, "");
      poll.abort.abort();
    }
  }

  private answer(poll: RelayedPoll, body: Frame): void {
    if (this.waiting.delete(poll)) poll.responder.respond(body);
  }

  private post(home: string, kind: string, body: unknown): void {
    this.channel.send(home, kind, body).catch((err: unknown) => this.logger.warn({ err, node: home }, "relay failed"));
  }
}

/** A frame or poll body on the node channel (JSON): text as is, bytes (issue 19) as `{"b64"}`. */
type WireFrame = string | { b64: string };

function toWire(frame: Frame): WireFrame {
  return typeof frame === "string"
    ? frame
    : { b64: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("base64") };
}

/** The frame of a `WireFrame`, undefined for anything else. */
function fromWire(value: unknown): Frame | undefined {
  if (typeof value === "string") return value;
  const b64 = (value as { b64?: unknown } | null)?.b64;
  return typeof b64 === "string" ? Buffer.from(b64, "base64") : undefined;
}
