/**
 * Publication data travels between nodes (brokers, history, the HTTP API) as JSON text. Binary
 * values (`Uint8Array`, the other typed arrays, Node `Buffer`) have no JSON form, so they are
 * carried inside that text as a tagged object, `{"$bin":"f64","b64":"…"}` (kind and the
 * little-endian bytes in base64), and turned back into typed arrays by binary codecs before
 * they reach the wire (issue 19). JSON connections receive the tagged object as is.
 */

import { fromBase64, toBase64 } from "./base64.js";

/** Typed-array kinds in the tag, by constructor name. */
const KINDS: Readonly<Record<string, string>> = {
  Uint8Array: "u8",
  Int8Array: "i8",
  Uint8ClampedArray: "u8c",
  Int16Array: "i16",
  Uint16Array: "u16",
  Int32Array: "i32",
  Uint32Array: "u32",
  Float32Array: "f32",
  Float64Array: "f64",
  BigInt64Array: "i64",
  BigUint64Array: "u64",
};

/** A typed-array constructor. */
type TypedArrayConstructor = new (buffer: ArrayBuffer, offset?: number, length?: number) => ArrayBufferView;

/** Constructors by tag kind. */
export const TYPED_ARRAYS: Readonly<Record<string, TypedArrayConstructor & { BYTES_PER_ELEMENT: number }>> = {
  u8: Uint8Array,
  i8: Int8Array,
  u8c: Uint8ClampedArray,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
};

/** Tag kind of a view: its typed-array kind, "u8" for a `Buffer`, `DataView` or unknown view. */
export function binaryKind(view: ArrayBufferView): string {
  return KINDS[view.constructor.name] ?? "u8";
}

/** The bytes of a view (no copy). */
export function viewBytes(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A typed array of `kind` over a copy of `bytes` (a copy: the source may be unaligned for the
 * element size, or a view into a larger frame). Throws a `RangeError` when the length is not a
 * whole number of elements or the kind is unknown.
 */
export function typedArrayOf(kind: string, bytes: Uint8Array): ArrayBufferView {
  const Ctor = TYPED_ARRAYS[kind];
  if (Ctor === undefined) throw new RangeError(`unknown binary kind ${kind.slice(0, 8)}`);
  if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new RangeError(`binary ${kind} length is not whole`);
  // Copied with `set`: `slice` on a Node Buffer (a Uint8Array subclass) is a view, not a copy.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return kind === "u8" ? copy : new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
}

/** Replacer: reads the holder's own value, before `toJSON` (a `Buffer` has one). */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (typeof raw === "object" && raw !== null && ArrayBuffer.isView(raw))
    return { $bin: binaryKind(raw), b64: toBase64(viewBytes(raw)) };
  return value;
}

/** Reviver: a tagged object back to its typed array; a malformed tag stays a plain object. */
function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const tag = value as { $bin?: unknown; b64?: unknown };
  if (typeof tag.$bin !== "string" || typeof tag.b64 !== "string" || Object.keys(value).length !== 2) return value;
  try {
    return typedArrayOf(tag.$bin, fromBase64(tag.b64));
  } catch {
    return value;
  }
}

/**
 * Publication data as JSON text and back, binary values tagged. `stringify` costs a replacer
 * call per value only when `binary` is set (servers with a binary codec); `parse` revives tags
 * only when the text holds one.
 */
export const dataJson = {
  /** JSON text of `value`; with `binary`, typed arrays become tagged base64 objects. */
  stringify(value: unknown, binary: boolean): string {
    return binary ? JSON.stringify(value ?? null, replacer) : JSON.stringify(value ?? null);
  },
  /** The value of data text; tagged binary objects become typed arrays again. */
  parse(text: string): unknown {
    return text.includes('"$bin"') ? JSON.parse(text, reviver) : JSON.parse(text);
  },
};
