import type { Codec, ConnectionLimits, PublishMessage, RefreshMessage } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker } from "./broker/broker.js";
import type { ConnectContext } from "./connect-context.js";
import type { Flusher } from "./flusher.js";
import type { Hub } from "./hub.js";
import type { ResolvedServerOptions } from "./options.js";
import type { Router } from "./router.js";
import type { Session } from "./session.js";
import type { ServerStats } from "./stats.js";
import type { TopicConfig } from "./topic-config.js";

/**
 * The parts of one server that sessions, the hub and the router share. One object per server,
 * referenced from each session (one field, not one per part).
 */
export interface ServerCore {
  readonly options: ResolvedServerOptions;
  readonly codec: Codec;
  readonly stats: ServerStats;
  readonly flusher: Flusher;
  readonly hub: Hub;
  readonly router: Router;
  readonly broker: Broker;
  readonly topics: TopicConfig;
  readonly logger: Logger;
  /** This node's id in a cluster. */
  readonly nodeId: string;
  /** Limits announced in `connected`. */
  readonly wireLimits: ConnectionLimits;
  newSessionId(): string;
  runConnectMiddleware(ctx: ConnectContext): Promise<void>;
  publishFromClient(session: Session, msg: PublishMessage): void;
  refresh(session: Session, msg: RefreshMessage): void;
  /** A gap notice went to a slow client (for `server.events` "gap"). */
  reportGap(session: Session, topic: string, from: number, to: number): void;
  sessionOpened(session: Session): void;
  sessionClosed(session: Session, code: number, reason: string, wasOpen: boolean): void;
}
