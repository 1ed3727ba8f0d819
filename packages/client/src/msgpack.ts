/**
 * `@dashwire/client/msgpack`: the MessagePack codec for `connect(url, { codec: msgpackCodec })`,
 * in its own subpath so the JSON-only bundle does not carry a msgpack library (issue 19).
 */
export { msgpackCodec } from "@dashwire/protocol/msgpack";
