import { APP_ERROR_CODE_MIN, ErrorCode, type WireError } from "@dashwire/protocol";

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
