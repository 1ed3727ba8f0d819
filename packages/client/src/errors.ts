/** Errors raised by the client SDK carry a stable numeric `code` from the protocol's `ErrorCode`. */
export class DashwireClientError extends Error {
  /** Stable code: an `ErrorCode` value, or the server's code for ack errors (10000+ for application errors). */
  readonly code: number;
  /** Machine-readable details the server attached, when any. */
  readonly details?: unknown;

  constructor(code: number, message: string, details?: unknown) {
    super(message);
    this.name = "DashwireClientError";
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}
