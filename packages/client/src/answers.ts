import { ErrorCode, MAX_ERROR_MESSAGE_BYTES, truncateUtf8, type WireError } from "@dashwire/protocol";
import { reportError } from "./emitter.js";
import { DashwireClientError } from "./errors.js";

/** Answers a server request (`client.emitWithAck` on the server): the return value is the answer. */
export type AnswerHandler<D = unknown, R = unknown> = (data: D, ns: string | undefined) => R | Promise<R>;

/**
 * The client's side of server → client requests (issue 19), in the style of the server's
 * `on(event, handler)`: one handler per event (`client.handle`), its return value (or promise)
 * is the `ack`, a thrown `DashwireClientError` a coded refusal, any other throw `Internal`
 * (5000, reported as an uncaught error). A request with no handler is refused with
 * `UnknownEvent` (1005). An answer to a request whose connection is gone is dropped: the server
 * already rejected it with `Disconnected`.
 */
export class Answers {
  private readonly handlers = new Map<string, AnswerHandler<never>>();

  constructor(
    /** Sends one message now, or drops it when the connection is not ready. */
    private readonly send: (message: object) => void,
  ) {}

  /** Sets the handler of `event` (a second call replaces it); returns a function that removes it. */
  handle(event: string, handler: AnswerHandler<never>): () => void {
    this.handlers.set(event, handler);
    return () => {
      if (this.handlers.get(event) === handler) this.handlers.delete(event);
    };
  }

  /** A server request: runs its handler and answers. */
  answer(id: number, event: string, data: unknown, ns: string | undefined): void {
    const handler = this.handlers.get(event);
    if (handler === undefined) {
      this.refuse(id, { code: ErrorCode.UnknownEvent, message: `no handler for ${event}` });
      return;
    }
    let result: unknown;
    try {
      result = handler(data as never, ns);
    } catch (error) {
      this.fail(id, error);
      return;
    }
    if (result instanceof Promise)
      result.then(
        (value) => this.reply(id, value),
        (error: unknown) => this.fail(id, error),
      );
    else this.reply(id, result);
  }

  private reply(id: number, data: unknown): void {
    try {
      this.send(data === undefined ? { t: "ack", id } : { t: "ack", id, data });
    } catch (error) {
      // An answer that cannot be encoded (a BigInt, a cycle): refused, and reported.
      this.fail(id, error);
    }
  }

  private fail(id: number, error: unknown): void {
    if (error instanceof DashwireClientError) {
      this.refuse(id, { code: error.code, message: error.message });
      return;
    }
    reportError(error);
    this.refuse(id, { code: ErrorCode.Internal, message: "the client's handler failed" });
  }

  private refuse(id: number, error: WireError): void {
    this.send({
      t: "ack",
      id,
      error: { code: error.code, message: truncateUtf8(error.message, MAX_ERROR_MESSAGE_BYTES) },
    });
  }
}
