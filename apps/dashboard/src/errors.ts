import { STATUS_CODES } from "node:http";
import { APP_ERROR_CODE_MIN, CloseCode, ErrorCode } from "@dashwire/protocol";

/**
 * Codes the dashboard API uses in `{ error: { code, message } }`. Protocol codes where one fits
 * (so a client sees the same number for "limit reached" over HTTP and over the socket), and
 * application codes (≥ 10000, see `APP_ERROR_CODE_MIN`) for what only an HTTP API has.
 */
export const ApiErrorCode = {
  /** A field is missing or wrong; the message names it. */
  InvalidField: ErrorCode.InvalidField,
  /** The body is larger than the configured limit (HTTP 413). */
  PayloadTooLarge: ErrorCode.PayloadTooLarge,
  /** No or unknown API key (HTTP 401). */
  Unauthorized: ErrorCode.Unauthorized,
  /** The key lacks the scope this route needs, or the object is protected (HTTP 403). */
  Forbidden: ErrorCode.Forbidden,
  /** A store is full: series count, dashboard count (HTTP 400 per point, 409 for dashboards). */
  LimitReached: ErrorCode.LimitReached,
  /** The database cannot be reached now (or is busy); nothing was kept; retry (HTTP 503). */
  Unavailable: ErrorCode.BrokerUnavailable,
  /** The request's `Host` is not a name this server answers to (DNS rebinding; HTTP 403). */
  ForbiddenHost: CloseCode.ForbiddenHost,
  /** A state-changing request from a browser origin that is not allowed (HTTP 403). */
  ForbiddenOrigin: CloseCode.ForbiddenOrigin,
  /** Unexpected failure; details are in the server log. */
  Internal: ErrorCode.Internal,
  /** No such route or object (HTTP 404). */
  NotFound: APP_ERROR_CODE_MIN + 404,
  /** Method not allowed on this route (HTTP 405). */
  MethodNotAllowed: APP_ERROR_CODE_MIN + 405,
  /** An object with this id already exists (HTTP 409). */
  Conflict: APP_ERROR_CODE_MIN + 409,
  /** Content-Type not accepted by this route (HTTP 415). */
  UnsupportedMediaType: APP_ERROR_CODE_MIN + 415,
  /** A point's timestamp is too far in the future or older than the raw-point window. */
  TimestampOutOfRange: APP_ERROR_CODE_MIN + 1,
  /** A request refused more than `MAX_REFUSALS` points: nothing of it was stored (HTTP 400). */
  TooManyRefusals: APP_ERROR_CODE_MIN + 2,
  /** `If-Match` names a version that is no longer the stored one (HTTP 412): reload, then retry. */
  PreconditionFailed: APP_ERROR_CODE_MIN + 412,
  /**
   * Too many writes in progress (HTTP 503 with `Retry-After`): nothing of the request was kept;
   * retry. An expected state under load, not a failure: answered with its message, not logged.
   */
  Busy: APP_ERROR_CODE_MIN + 503,
  /** The store cannot write: disk full or read-only (HTTP 507); nothing of the request was kept. */
  InsufficientStorage: APP_ERROR_CODE_MIN + 507,
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** One field at fault in a body: its path (`panels.0.kind`, "" for the body) and what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The body of every error answer of the API (4xx and 5xx). */
export interface ApiErrorBody {
  error: {
    /** Stable code (`ApiErrorCode`). */
    code: number;
    /** What went wrong, naming the field at fault; only the status' name for a 5xx. */
    message: string;
    /** A 5xx's id, also in its log line and in `x-request-id`. */
    requestId?: string;
    /** A body that failed validation: every field at fault (at most 20), the first one in `message`. */
    fields?: FieldIssue[];
  };
}

/** An error that becomes an HTTP status plus `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** Every field at fault, for a body that failed validation. */
    readonly fields?: FieldIssue[],
  ) {
    super(message);
    this.name = "ApiError";
  }

  /**
   * What a client may read: the message of a 4xx (it describes the client's own input), only
   * the status' name for a 5xx, whose message may carry internal details (a peer's error, a
   * stack overflow); those go to the log (the `http-errors` rule: 5xx messages are not exposed).
   */
  get publicMessage(): string {
    if (this.status < 500 || this.code === ApiErrorCode.Busy) return this.message;
    return this.status === 500 ? "internal error" : (STATUS_CODES[this.status] ?? "server error").toLowerCase();
  }

  /** The JSON body sent to the client; a 5xx names the request id its log line carries. */
  toBody(requestId?: string): ApiErrorBody {
    const error: ApiErrorBody["error"] = {
      code: this.code,
      message: this.publicMessage,
    };
    if (requestId !== undefined) error.requestId = requestId;
    if (this.fields !== undefined && this.status < 500) error.fields = this.fields;
    return { error };
  }
}
