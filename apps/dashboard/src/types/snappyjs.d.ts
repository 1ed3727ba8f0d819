/** Types of `snappyjs` (it ships none): the block format used by Prometheus remote write. */
declare module "snappyjs" {
  /** Decompresses a snappy block; throws when the data is invalid or would exceed `maxLength` bytes. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  /** Compresses into a snappy block. */
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
