import {
  ErrorCode,
  isValidTopic,
  type SubscribedMessage,
  type SubscribeMessage,
  type WireError,
} from "@dashwire/protocol";
import type { Logger } from "pino";
import { DashwireError, toWireError } from "./errors.js";
import type { Hub } from "./hub.js";
import type { JoinOptions } from "./join-options.js";
import type { NodeChannel } from "./node-channel.js";
import type { Session } from "./session.js";

/** What `server.join` / `server.leave` did on every node that answered in time. */
export interface UserJoinReport {
  /** Connections of the user that were joined (or left, for `leave`). */
  done: number;
  /** Connections already in that state (already subscribed; not subscribed, for `leave`). */
  unchanged: number;
  /** Connections refused (not allowed by `canSubscribe`, subscription limit, broker down). */
  refused: number;
  /** The first refusal's coded error, when there was one. */
  error?: WireError;
}

/** The node channel kinds of user-wide joins and leaves. */
const JOIN = "rooms.join";
const LEAVE = "rooms.leave";
/** How long `server.join` waits for the other nodes' reports, ms. */
const USER_JOIN_TIMEOUT_MS = 5000;

interface UserCommand {
  user: string;
  topic: string;
  options?: JoinOptions;
}

/** What rooms need from the server. */
export interface RoomsHost {
  readonly hub: Hub;
  readonly channel: NodeChannel;
  readonly logger: Logger;
  readonly options: { readonly limits: { readonly topicLength: number } };
  /** This node's sessions (open or in their handshake). */
  readonly sessions: Map<string, Session>;
}

/**
 * Server-side subscriptions ("rooms", issue 19): server code puts a connection, or every
 * connection of a user on every node, into a topic without the client asking, under the
 * topic's `canSubscribe` rule. The client is told with `subscribed` (the fields of a `sub` ack)
 * and from then on treats the subscription as its own: it resumes it after a reconnect with a
 * `sub` carrying its last position, so it survives reconnects exactly like one it made itself.
 */
export class Rooms {
  constructor(private readonly host: RoomsHost) {
    host.channel.on(JOIN, (body) => this.runUser(body as UserCommand, true));
    host.channel.on(LEAVE, (body) => this.runUser(body as UserCommand, false));
  }

  /**
   * Subscribes `session` to `topic`. Resolves true once subscribed (the client got
   * `subscribed`), false when it already was; rejects with a `DashwireError` when refused.
   */
  async join(session: Session, topic: string, options: JoinOptions = {}): Promise<boolean> {
    if (!isValidTopic(topic, this.host.options.limits.topicLength))
      throw new DashwireError(ErrorCode.InvalidTopic, `invalid topic ${JSON.stringify(String(topic).slice(0, 64))}`);
    // A join from a `connection` listener waits for this turn's end: the subscriptions the
    // client sent with its handshake (resumes with `since`) are registered first, and win.
    await Promise.resolve();
    if (!session.isOpen) throw new DashwireError(ErrorCode.Disconnected, "the client is not connected");
    if (session.subs.get(topic) !== undefined) return false;
    const msg: SubscribeMessage = { t: "sub", topic };
    if (options.mode !== undefined) msg.mode = options.mode;
    if (options.maxRate !== undefined) msg.maxRate = options.maxRate;
    if (options.snapshot) msg.snapshot = true;
    if (options.last !== undefined) msg.last = options.last;
    if (options.presence) msg.presence = true;
    const announce: SubscribedMessage = { t: "subscribed", topic, epoch: "", offset: 0, recovered: false };
    const resubscribe: SubscribedMessage["options"] = {};
    if (msg.mode !== undefined) resubscribe.mode = msg.mode;
    if (msg.maxRate !== undefined) resubscribe.maxRate = msg.maxRate;
    if (msg.snapshot) resubscribe.snapshot = true;
    if (msg.presence) resubscribe.presence = true;
    if (Object.keys(resubscribe).length > 0) announce.options = resubscribe;
    let joined = false;
    await this.host.hub.attach(session, msg, (reply) => {
      joined = true;
      session.send({ ...announce, ...reply });
    });
    return joined;
  }

  /** Ends `session`'s subscription to `topic` (the client gets `unsubscribed`); false when there was none. */
  leave(session: Session, topic: string): boolean {
    return this.host.hub.drop(session, topic);
  }

  /** Joins (or leaves) every connection of `user` on every node; resolves with what was done. */
  async user(join: boolean, user: string, topic: string, options?: JoinOptions): Promise<UserJoinReport> {
    const command: UserCommand = { user, topic };
    if (options !== undefined) command.options = options;
    const [here, there] = await Promise.all([
      this.runUser(command, join),
      this.host.channel.requestAll(join ? JOIN : LEAVE, command, USER_JOIN_TIMEOUT_MS),
    ]);
    const report = { ...here };
    for (const answer of there.values()) {
      const r = answer as Partial<UserJoinReport> | undefined;
      report.done += r?.done ?? 0;
      report.unchanged += r?.unchanged ?? 0;
      report.refused += r?.refused ?? 0;
      if (report.error === undefined && r?.error !== undefined) report.error = r.error;
    }
    return report;
  }

  /** Runs a user-wide join or leave on this node's connections of the user. */
  private async runUser(command: UserCommand, join: boolean): Promise<UserJoinReport> {
    const report: UserJoinReport = { done: 0, unchanged: 0, refused: 0 };
    const { user, topic, options } = command;
    if (typeof user !== "string" || typeof topic !== "string") return report;
    const mine: Session[] = [];
    for (const session of this.host.sessions.values())
      if (session.isOpen && session.user?.id === user) mine.push(session);
    await Promise.all(
      mine.map(async (session) => {
        try {
          const changed = join ? await this.join(session, topic, options) : this.leave(session, topic);
          if (changed) report.done++;
          else report.unchanged++;
        } catch (err) {
          report.refused++;
          if (!(err instanceof DashwireError)) this.host.logger.warn({ err, topic }, "user-wide join failed");
          report.error ??= toWireError(err);
        }
      }),
    );
    return report;
  }
}
