import { CloseCode, ErrorCode } from "./codes.js";

/**
 * Binary HTTP bodies (issue 19). A long-polling answer or a POST of a connection with a binary
 * codec carries its frames in one body, each frame as a MessagePack `bin` value: a length header
 * (`c4` + 1 byte, `c5` + 2 or `c6` + 4, big-endian) then the frame's bytes. Splitting needs no
 * knowledge of the codec inside the frames, and the body is a MessagePack stream that any
 * msgpack library reads, so it is labelled with msgpack's registered media type.
 */

/** Media type of a binary body: MessagePack (IANA, registered 2024-05-13). */
export const BINARY_BODY_TYPE = "application/vnd.msgpack";

/** Longest length header a frame gets in a binary body (`bin32`). */
export const BINARY_FRAME_HEADER_MAX = 5;

/** A binary body that cannot be split into frames; `code` says why. */
export class BinaryBodyError extends Error {
  constructor(
    /** `ErrorCode.BadFrame` (malformed, truncated) or `CloseCode.MessageTooBig` (a frame over the limit). */
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "BinaryBodyError";
  }
}

/** True when `body` (a text or binary body) holds nothing. */
export function bodyEmpty(body: string | Uint8Array): boolean {
  return typeof body === "string" ? body === "" : body.byteLength === 0;
}

function headerBytes(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/** One binary body holding `frames`, each behind its `bin` header. */
export function joinBinaryFrames(frames: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const frame of frames) size += headerBytes(frame.byteLength) + frame.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const frame of frames) {
    const n = frame.byteLength;
    if (n < 0x100) {
      out[at] = 0xc4;
      out[at + 1] = n;
      at += 2;
    } else if (n < 0x10000) {
      out[at] = 0xc5;
      view.setUint16(at + 1, n);
      at += 3;
    } else {
      out[at] = 0xc6;
      view.setUint32(at + 1, n);
      at += 5;
    }
    out.set(frame, at);
    at += n;
  }
  return out;
}

/**
 * The frames of a binary body (views into it, no copy). Throws `BinaryBodyError`: BadFrame for
 * anything but a `bin` header, a header cut short or a length past the body's end;
 * MessageTooBig for a frame longer than `maxFrameBytes`.
 */
export function splitBinaryFrames(body: Uint8Array, maxFrameBytes: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  while (at < body.byteLength) {
    const type = body[at] as number;
    const size = type === 0xc4 ? 1 : type === 0xc5 ? 2 : type === 0xc6 ? 4 : 0;
    if (size === 0) throw new BinaryBodyError(ErrorCode.BadFrame, `byte ${at}: not a msgpack bin header`);
    if (at + 1 + size > body.byteLength) throw new BinaryBodyError(ErrorCode.BadFrame, "frame length cut short");
    const n = size === 1 ? view.getUint8(at + 1) : size === 2 ? view.getUint16(at + 1) : view.getUint32(at + 1);
    at += 1 + size;
    if (n > maxFrameBytes)
      throw new BinaryBodyError(CloseCode.MessageTooBig, `frame larger than ${maxFrameBytes} bytes`);
    if (at + n > body.byteLength) throw new BinaryBodyError(ErrorCode.BadFrame, "frame cut short");
    frames.push(body.subarray(at, at + n));
    at += n;
  }
  return frames;
}
