import type { Codec, Frame } from "@dashwire/protocol";

/** `ping` and `pong` encoded once per codec, shared by every session that speaks it. */
const parts = new WeakMap<Codec, ControlParts>();

/** The heartbeat messages, encoded. */
export interface ControlParts {
  readonly ping: Frame;
  readonly pong: Frame;
}

/**
 * The `ping` and `pong` parts of `codec`: a binary connection must get binary ones (the msgpack
 * wire fuzz found JSON pings on msgpack connections; issue 19).
 */
export function controlParts(codec: Codec): ControlParts {
  let found = parts.get(codec);
  if (found === undefined) {
    found = { ping: codec.encode({ t: "ping" }), pong: codec.encode({ t: "pong" }) };
    parts.set(codec, found);
  }
  return found;
}
