import { APP_ERROR_CODE_MIN, ErrorCode, truncateUtf8, type WireError } from "@dashwire/protocol";
import pino from "pino";

/**
 * An error with a stable numeric code. Thrown from handlers, hooks and middleware, it becomes a
 * coded `ack` error (or close code at connect) on the wire; any other thrown value is logged and
 * reported to the client as `ErrorCode.Internal` without details.
 */
export class DashwireError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "DashwireError";
  }

  /** The wire form of this error. */
  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Maps any thrown value to a wire error; unknown errors never leak their message. */
export function toWireError(err: unknown): WireError {
  if (err instanceof DashwireError) return err.toWire();
  return { code: ErrorCode.Internal, message: "internal error" };
}

/** True when `code` is in the application range. */
export function isAppErrorCode(code: number): boolean {
  return code >= APP_ERROR_CODE_MIN;
}

/** Longest error message, and stack, in one of the server's log lines, bytes. */
const MAX_LOGGED_MESSAGE_BYTES = 1024;
const MAX_LOGGED_STACK_BYTES = 8192;

/**
 * pino's `err` serializer with the message and stack cut by bytes: a thrown message may quote
 * client input (a refusal, a parse error), and a log line stays bounded whatever it holds.
 */
export function boundedErr(err: unknown): unknown {
  if (typeof err === "string") return truncateUtf8(err, MAX_LOGGED_MESSAGE_BYTES);
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err);
  out.message = truncateUtf8(out.message, MAX_LOGGED_MESSAGE_BYTES);
  if (typeof out.stack === "string") out.stack = truncateUtf8(out.stack, MAX_LOGGED_STACK_BYTES);
  return out;
}
