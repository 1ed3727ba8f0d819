import { ErrorCode, MAX_TOPIC_LENGTH } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import type { SubscribeOptions } from "./subscription.js";

function invalid(field: string, what: string): DashwireClientError {
  return new DashwireClientError(ErrorCode.InvalidField, `${field} ${what}`);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Checks `subscribe` options with the rules the server applies (protocol `parseClientMessage`),
 * so a mistake throws at the call site instead of failing later in an ack.
 */
export function checkSubscribeOptions(o: SubscribeOptions): void {
  if (o.mode !== undefined && o.mode !== "stream" && o.mode !== "latest")
    throw invalid("mode", 'must be "stream" or "latest"');
  if (o.maxRate !== undefined && !(typeof o.maxRate === "number" && o.maxRate > 0))
    throw invalid("maxRate", "must be a positive number");
  if (o.last !== undefined && !isCount(o.last)) throw invalid("last", "must be a non-negative integer");
  const since = o.since;
  if (
    since !== undefined &&
    !(
      typeof since === "object" &&
      typeof since.epoch === "string" &&
      since.epoch.length <= MAX_TOPIC_LENGTH &&
      isCount(since.offset)
    )
  )
    throw invalid("since", "must be {epoch: string, offset: integer}");
}
