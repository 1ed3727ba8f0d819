/**
 * The transport seam: a transport moves frames (text, or bytes with a binary codec) and nothing
 * else. It knows no topics, events or sessions (the engine.io / socket.io split). WebSocket, SSE
 * and long-polling each implement it in their own file and run the same contract suite.
 */

import type { Frame } from "@dashwire/protocol";

/** What a transport reports to its session. Bound once per transport; no closure per frame. */
export interface TransportSink {
  /** A frame arrived from the client. */
  onFrame(frame: Frame): void;
  /** The transport can take frames again after `send` returned false. */
  onDrain(): void;
  /** The transport closed (by either side); called once. */
  onClose(code: number, reason: string): void;
}

/** One client connection's frame pipe. */
export interface Transport {
  /** "websocket", "sse" or "polling". */
  readonly name: string;
  /** Attaches the session; frames that arrived before are delivered now. */
  bind(sink: TransportSink): void;
  /**
   * Takes binary frames in and out as bytes (a binary codec was negotiated, issue 19). Only
   * transports that can carry bytes have it; the server refuses binary codecs on the others.
   */
  setBinary?(): void;
  /** Sends one frame. Returns false when congested: hold further frames until `onDrain`. */
  send(frame: Frame): boolean;
  /** Closes with a close code (see `CloseCode`) and a short reason. */
  close(code: number, reason: string): void;
  /** Stops (false) or restarts (true) reading frames from the client, where the transport can. */
  setReading?(on: boolean): void;
}
