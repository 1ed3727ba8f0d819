import {
  type Codec,
  CodecError,
  ErrorCode,
  type Frame,
  isValidTopic,
  jsonCodec,
  parseClientMessage,
  Violation,
} from "@dashwire/protocol";

/**
 * The decoder + validator contract, checked on one frame: the codec's `decode` (JSON, or
 * MessagePack for the binary target) either returns the
 * message values or throws `CodecError` (code 1000); `parseClientMessage` never throws and either
 * returns the very same object, shaped as its type promises, or a `Violation` with a defined code.
 * Throws `FuzzFailure` when the contract is broken.
 */

/** A broken contract, with the input that broke it. */
export class FuzzFailure extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "FuzzFailure";
  }
}

/** What one frame produced. */
export interface ProtocolOutcome {
  codecError: boolean;
  accepted: number;
  violations: number;
}

const VIOLATION_CODES = new Set<number>([ErrorCode.UnknownType, ErrorCode.InvalidField, ErrorCode.InvalidTopic]);
const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Checks one frame; throws `FuzzFailure` on a broken contract. */
export function checkProtocolFrame(frame: Frame, codec: Codec = jsonCodec): ProtocolOutcome {
  let values: unknown[];
  try {
    values = codec.decode(frame);
  } catch (err) {
    if (err instanceof CodecError && err.code === ErrorCode.BadFrame)
      return { codecError: true, accepted: 0, violations: 0 };
    throw new FuzzFailure(`decode threw something other than CodecError: ${String(err)}`, err);
  }
  if (!Array.isArray(values)) throw new FuzzFailure("decode returned a non-array");
  const outcome: ProtocolOutcome = { codecError: false, accepted: 0, violations: 0 };
  for (const value of values) {
    let result: ReturnType<typeof parseClientMessage>;
    try {
      result = parseClientMessage(value);
    } catch (err) {
      throw new FuzzFailure(`parseClientMessage threw: ${String(err)}`, err);
    }
    if (result instanceof Violation) {
      outcome.violations++;
      if (!VIOLATION_CODES.has(result.code)) throw new FuzzFailure(`violation with code ${result.code}`);
      if (typeof result.message !== "string" || result.message.length === 0)
        throw new FuzzFailure("violation without a message");
      if (result.id !== undefined && !isCount(result.id)) throw new FuzzFailure(`violation id ${result.id}`);
      continue;
    }
    outcome.accepted++;
    if (result !== value) throw new FuzzFailure("accepted message is a copy");
    checkAccepted(result as unknown as Record<string, unknown>);
  }
  return outcome;
}

/** What each accepted type guarantees to the server code behind it. */
function checkAccepted(m: Record<string, unknown>): void {
  if (m.id !== undefined && !isCount(m.id)) throw new FuzzFailure(`accepted id ${String(m.id)}`);
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new FuzzFailure(`accepted ${String(m.t)} with ${what}: ${JSON.stringify(m).slice(0, 200)}`);
  };
  switch (m.t) {
    case "pub":
      need(isValidTopic(m.topic), "bad topic");
      need("data" in m, "no data");
      need(m.key === undefined || typeof m.key === "string", "bad key");
      need(m.urgent === undefined || typeof m.urgent === "boolean", "bad urgent");
      return;
    case "sub": {
      need(isValidTopic(m.topic), "bad topic");
      need(m.mode === undefined || m.mode === "stream" || m.mode === "latest", "bad mode");
      need(m.maxRate === undefined || (typeof m.maxRate === "number" && m.maxRate > 0), "bad maxRate");
      need(m.last === undefined || isCount(m.last), "bad last");
      const since = m.since as { epoch?: unknown; offset?: unknown } | undefined;
      need(since === undefined || (typeof since.epoch === "string" && isCount(since.offset)), "bad since");
      return;
    }
    case "unsub":
    case "presence":
      need(isValidTopic(m.topic), "bad topic");
      return;
    case "evt":
      need(isValidTopic(m.event), "bad event");
      need(m.ns === undefined || isValidTopic(m.ns), "bad ns");
      return;
    case "connect":
      need(isCount(m.v), "bad v");
      need(m.token === undefined || typeof m.token === "string", "bad token");
      return;
    case "refresh":
      need(typeof m.token === "string", "bad token");
      return;
    case "ping":
    case "pong":
      return;
    default:
      throw new FuzzFailure(`accepted unknown type ${JSON.stringify(m.t)?.slice(0, 40)}`);
  }
}
