/**
 * Addresses of the opt-in listeners (`--graphite 127.0.0.1:2003`, `--statsd :8125`): `host:port`,
 * `[ipv6]:port`, or `:port` / `port` alone for the port on the app's `--host` (so a local app
 * stays local unless told otherwise).
 */

/** Where a listener binds. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `text` (see the file comment); throws an `Error` saying what is wrong. */
export function parseListenAddress(text: string, defaultHost: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (m === null) throw new Error(`expected host:port, [ipv6]:port or :port, got ${JSON.stringify(text)}`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port > 65535) throw new Error(`port must be 0-65535, got ${m[3]}`);
  const host = m[1] || m[2] || defaultHost;
  return { host, port };
}
