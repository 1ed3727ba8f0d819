import { ErrorCode, MAX_TOPIC_LENGTH, parseClientMessage, Violation } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import type { SubscribeOptions } from "./subscription.js";

/**
 * Checks `subscribe` options with the validator the server runs on `sub` (protocol
 * `parseClientMessage`), so a mistake throws at the call site instead of failing later in an
 * ack. A saved position's epoch is also held to the topic length, as every string the client
 * resends on each reconnect.
 */
export function checkSubscribeOptions(o: SubscribeOptions): void {
  const { mode, maxRate, last, since } = o;
  const checked = parseClientMessage({ t: "sub", topic: "t", mode, maxRate, last, since });
  if (checked instanceof Violation) throw new DashwireClientError(checked.code, checked.message);
  if (since !== undefined && since.epoch.length > MAX_TOPIC_LENGTH)
    throw new DashwireClientError(ErrorCode.InvalidField, "since must be {epoch: string, offset: integer}");
}
