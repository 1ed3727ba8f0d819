import { type ConnectedMessage, type ConnectMessage, PROTOCOL_VERSION } from "@dashwire/protocol";

/**
 * What a new transport offers the server in `connect`: the protocol version, the token of this
 * attempt, the app's `data`, and, once a handshake named one, the session with its secret, so
 * the server lets the new transport take that session over (docs/protocol.md).
 */
export class ConnectOffer {
  /** Token of the current attempt. */
  token: string | undefined = undefined;
  private session: string | undefined = undefined;
  private secret: string | undefined = undefined;

  constructor(private readonly data: unknown) {}

  /** The `connect` message, with `token` (the attempt's by default). */
  message(token: string | undefined = this.token): ConnectMessage {
    const m: ConnectMessage = { t: "connect", v: PROTOCOL_VERSION };
    if (token !== undefined) m.token = token;
    if (this.data !== undefined) m.data = this.data;
    if (this.session !== undefined) m.session = this.session;
    if (this.secret !== undefined) m.secret = this.secret;
    return m;
  }

  /** A handshake reply: the session (and secret) it names is offered from now on. */
  adopt(m: ConnectedMessage): void {
    this.session = typeof m.session === "string" ? m.session : undefined;
    this.secret = typeof m.secret === "string" ? m.secret : undefined;
  }
}
