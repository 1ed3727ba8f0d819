import type { PublicationMessage } from "./messages.js";

/**
 * Codecs turn messages into frames and back. The server encodes a publication once and hands
 * the same encoded part to every subscriber; `frame` joins the parts due to one connection into
 * one frame (decision 1 and 2 of the design).
 */

/** Deepest `[`/`{` nesting a decoded frame may have. */
export const MAX_JSON_DEPTH = 64;

/** True when JSON text nests `[`/`{` deeper than `limit` (brackets inside strings ignored). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/** Raised by `decode` when a frame cannot be read at all. */
export class CodecError extends Error {
  /** Stable error code (`ErrorCode.BadFrame`). */
  readonly code = 1000;
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

/** An encoded part or frame: text for text codecs, bytes for binary ones. */
export type Frame = string | Uint8Array;

/**
 * Serializes messages and frames. Swappable: a binary codec implements the same members with
 * `Uint8Array` frames, and a server may speak several, one per connection (issue 19).
 */
export interface Codec<F extends Frame = Frame> {
  /** Name negotiated at connect (`?codec=`) and announced in docs and logs, e.g. "json". */
  readonly name: string;
  /** True when frames are bytes (WebSocket binary frames); false for text frames. */
  readonly binary: boolean;
  /** Encodes one message into a part that can be framed any number of times. */
  encode(message: unknown): F;
  /** Joins encoded parts into one frame: the part itself when alone, a batch otherwise. */
  frame(parts: readonly F[]): F;
  /** Splits a frame into message values, not yet validated. Throws `CodecError`. */
  decode(frame: Frame): unknown[];
  /**
   * Encodes a publication whose data is already JSON text (as brokers carry it; binary values
   * tagged, see `dataJson`): the one encode a publication gets per codec, shared by all its
   * subscribers on that codec.
   */
  encodePublication(head: PublicationHead, data: string): F;
}

/** The fields of a `msg` message other than its data. */
export type PublicationHead = Omit<PublicationMessage, "t" | "d">;

/**
 * The default codec: UTF-8 JSON text frames. A batch is a JSON array of messages, built by
 * joining already-encoded parts, so batching never re-encodes a publication.
 */
export const jsonCodec: Codec<string> = {
  name: "json",
  binary: false,
  encode(message) {
    return JSON.stringify(message);
  },
  frame(parts) {
    if (parts.length === 1) return parts[0] as string;
    return `[${parts.join(",")}]`;
  },
  encodePublication(head, data) {
    let out = `{"t":"msg","c":${JSON.stringify(head.c)},"e":${JSON.stringify(head.e)},"o":${head.o}`;
    if (head.k !== undefined) out += `,"k":${JSON.stringify(head.k)}`;
    if (head.u) out += `,"u":1`;
    return `${out},"d":${data}}`;
  },
  decode(input) {
    const frame = textOf(input);
    // Nesting is bounded before parsing: a frame nested thousands deep parses fine but makes
    // every later JSON.stringify of it overflow the stack (found by fuzzing). A frame can only
    // nest as deep as it is long, so short frames skip the scan.
    if (frame.length > MAX_JSON_DEPTH && jsonDepthExceeds(frame, MAX_JSON_DEPTH))
      throw new CodecError(`frame nests deeper than ${MAX_JSON_DEPTH} levels`);
    let value: unknown;
    try {
      value = JSON.parse(frame);
    } catch {
      throw new CodecError("frame is not valid JSON");
    }
    if (Array.isArray(value)) return value;
    return [value];
  },
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a frame; bytes (a binary frame on a JSON connection) must be UTF-8. */
function textOf(frame: Frame): string {
  if (typeof frame === "string") return frame;
  try {
    return utf8.decode(frame);
  } catch {
    throw new CodecError("frame is not valid UTF-8");
  }
}
