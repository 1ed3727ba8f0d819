/**
 * Why a store could not do what it was asked, engine-independent: the HTTP layer turns `full`
 * and `readonly` into 507 and `unavailable` into 503, each with a stable code. Whatever the
 * reason, the transaction was rolled back: nothing of the request was kept.
 */
import { ApiError, ApiErrorCode } from "../errors.js";

/** A store failure the client can act on. */
export type StoreErrorKind = "full" | "readonly" | "unavailable";

/** A write or read the database refused; `kind` says why. */
export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The API error a client gets. */
  toApiError(): ApiError {
    if (this.kind === "unavailable") return new ApiError(503, ApiErrorCode.Unavailable, `${this.message}; retry`);
    return new ApiError(507, ApiErrorCode.InsufficientStorage, this.message);
  }
}
