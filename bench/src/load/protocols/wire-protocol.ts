import type { ClientCounters } from "../client-counters.js";
import type { OutFrame, TransportName } from "../links/link.js";

/** The wire protocols the load generator speaks. */
export type ProtocolName = "dashwire" | "socketio" | "json-ws";

/** The topic / room / group every dashboard client joins. */
export const DASHBOARD_TOPIC = "dashboard";

/** What a client does in a run. */
export interface ClientRole {
  /** Subscribes to the dashboard topic (receives publications). */
  subscribes: boolean;
  /**
   * dashwire: keeps its position on the topic (offsets of what arrived), answers `gap` notices
   * by resuming from history, and resumes with `since` when it reconnects. Costs a search per
   * frame, so only the scenarios that need it turn it on.
   */
  resume: boolean;
}

/** A position on a topic: dashwire's epoch and offset. */
export interface StreamPosition {
  epoch: string;
  offset: number;
}

/** What a protocol sees of the client it runs for. */
export interface ProtocolClient {
  readonly role: ClientRole;
  /** Sends a frame on the client's link (handshake steps, pongs, resumes). */
  reply(frame: OutFrame): void;
  /** The last position seen on the topic (resume clients; kept across reconnects). */
  position: StreamPosition | undefined;
  /** Where the protocol counts gaps, resumes and their outcome. */
  readonly counters: ClientCounters;
}

/**
 * One target's protocol, whatever transport carries it: the frames a client sends once its link
 * is open, a handshake step per frame (anything may be parsed there), then a publish frame and
 * a cheap answer to control frames. Publications are never parsed: the generator finds their
 * tags with a byte search.
 */
export interface WireProtocol {
  /** Protocol name, as in target definitions. */
  readonly name: ProtocolName;
  /** Path (and query) of the endpoint for a transport; undefined when the target has none. */
  endpoint(transport: TransportName): string | undefined;
  /** Frames to send as soon as the link is open. */
  opening(client: ProtocolClient): OutFrame[];
  /**
   * Handles one frame of the handshake; true when the client is set up for its role (throws
   * to refuse). Absent: the handshake is done when the link opens.
   */
  step?(frame: Buffer, client: ProtocolClient): boolean;
  /** The frame that publishes `payload` (a JSON object's text) to the dashboard. */
  publishFrame(payload: string): OutFrame;
  /**
   * Handles a frame during the run: answers pings, resumes after gaps, returns a description
   * when the frame is an error. `hadTags` says publications were found in it.
   */
  control(frame: Buffer, hadTags: boolean, client: ProtocolClient): string | undefined;
}
