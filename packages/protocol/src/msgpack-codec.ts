import { Decoder, decode, Encoder, ExtensionCodec, encode } from "@msgpack/msgpack";
import { CodecError, type Codec, type Frame, MAX_JSON_DEPTH, type PublicationHead } from "./codec.js";
import { dataJson, TYPED_ARRAYS, typedArrayOf, viewBytes } from "./data-json.js";

/**
 * MessagePack extension types for typed arrays other than `Uint8Array` (which is plain msgpack
 * `bin`, readable by any msgpack library). Payload: the elements' little-endian bytes.
 */
const EXT_TYPES: Readonly<Record<string, number>> = {
  i8: 1,
  u8c: 2,
  i16: 3,
  u16: 4,
  i32: 5,
  u32: 6,
  f32: 7,
  f64: 8,
  i64: 9,
  u64: 10,
};

const extensions = new ExtensionCodec();
for (const [kind, type] of Object.entries(EXT_TYPES)) {
  const Ctor = TYPED_ARRAYS[kind] as (typeof TYPED_ARRAYS)[string];
  extensions.register({
    type,
    encode: (value) => (value instanceof Ctor ? viewBytes(value) : null),
    decode: (bytes) => typedArrayOf(kind, bytes),
  });
}

/**
 * Extension type 11: an object with an own `__proto__` key. JSON carries such a key as data (what
 * `JSON.parse` makes of `{"__proto__":1}`), but @msgpack/msgpack refuses it in a map (its guard
 * against prototype pollution), so one JSON client publishing it would make the publication
 * unreadable for every msgpack subscriber. Such an object goes as an array of key/value pairs,
 * rebuilt with own properties (never the prototype setter).
 */
const PROTO_KEY_EXT = 11;
extensions.register({
  type: PROTO_KEY_EXT,
  encode: (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, "__proto__"))
      return null;
    return encode(Object.entries(value).flat(), { extensionCodec: extensions, ignoreUndefined: true });
  },
  decode: (bytes) => {
    const pairs = decode(bytes, { extensionCodec: extensions });
    if (!Array.isArray(pairs) || pairs.length % 2 !== 0) throw new CodecError("bad __proto__ object");
    const out: Record<string, unknown> = {};
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i];
      if (typeof key !== "string") throw new CodecError("bad __proto__ object key");
      Object.defineProperty(out, key, { value: pairs[i + 1], enumerable: true, writable: true, configurable: true });
    }
    return out;
  },
});

const encoder = new Encoder({ extensionCodec: extensions, ignoreUndefined: true, maxDepth: MAX_JSON_DEPTH + 8 });
const decoder = new Decoder({ extensionCodec: extensions });

/** True when `value` nests arrays/maps deeper than `limit` (recursion bounded by `limit`). */
function deeper(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (deeper(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (deeper((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/** Little-endian hosts only: extension payloads are the typed arrays' memory as is. */
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The MessagePack codec (issue 19): binary WebSocket frames, `Uint8Array` as msgpack `bin` and
 * the other typed arrays as extension types 1–10, so arrays of numbers cross without base64 or
 * per-number encoding. A batch is a msgpack array header followed by the already-encoded parts
 * (encoded once, joined by copying bytes). Decoding has the JSON codec's depth bound; any
 * malformed frame is a `CodecError`.
 */
export const msgpackCodec: Codec<Uint8Array> = {
  name: "msgpack",
  binary: true,
  encode(message) {
    return encoder.encode(message);
  },
  frame(parts) {
    if (parts.length === 1) return parts[0] as Uint8Array;
    const n = parts.length;
    const header = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
    let size = header;
    for (const part of parts) size += part.byteLength;
    const out = new Uint8Array(size);
    if (header === 1) out[0] = 0x90 | n;
    else if (header === 3) {
      out[0] = 0xdc;
      out[1] = n >>> 8;
      out[2] = n & 0xff;
    } else {
      out[0] = 0xdd;
      new DataView(out.buffer).setUint32(1, n);
    }
    let at = header;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  },
  encodePublication(head: PublicationHead, data: string) {
    const message: Record<string, unknown> = { t: "msg", c: head.c, e: head.e, o: head.o };
    if (head.k !== undefined) message.k = head.k;
    if (head.u) message.u = 1;
    message.d = dataJson.parse(data);
    return encoder.encode(message);
  },
  decode(frame: Frame) {
    if (typeof frame === "string") throw new CodecError("text frame on a msgpack connection");
    if (!littleEndian) throw new CodecError("msgpack codec needs a little-endian host");
    let value: unknown;
    try {
      // A plain Uint8Array view: decoded `bin` values are views of the input, and over a Node
      // Buffer they would be Buffers (with a `toJSON`) rather than the Uint8Array that was sent.
      value = decoder.decode(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    } catch {
      throw new CodecError("frame is not valid MessagePack");
    }
    if (deeper(value, MAX_JSON_DEPTH)) throw new CodecError(`frame nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(value)) return value;
    return [value];
  },
};
