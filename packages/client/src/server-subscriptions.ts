import { ErrorCode, type SubscribedMessage, type SubscribeResult } from "@dashwire/protocol";
import type { ClientEvents } from "./client-events.js";
import type { Emitter } from "./emitter.js";
import { DashwireClientError } from "./errors.js";
import { checkSubscribeOptions } from "./subscribe-options.js";
import { type SubscribeOptions, Subscription, type SubscriptionHost } from "./subscription.js";

/** What server-side subscriptions need from their client. */
export interface ServerSubscriptionsHost {
  /** The client's subscriptions by topic (server-side ones live there too). */
  readonly subs: Map<string, Subscription>;
  readonly subHost: SubscriptionHost;
  readonly events: Emitter<ClientEvents>;
}

/**
 * Subscriptions server code made for this client (`client.join` on the server, issue 19), as
 * centrifuge-js handles Centrifugo's server-side subscriptions: the server's `subscribed` makes a
 * `Subscription` like `client.subscribe` does, announced by the client's `subscribed` event, its
 * publications on the client's `publication` event. It lives among the client's own, so a
 * reconnect resumes it from its last position (`recovered`, gaps) exactly like theirs.
 */
export class ServerSubscriptions {
  constructor(private readonly host: ServerSubscriptionsHost) {}

  /** The server subscribed this client to `m.topic`. */
  subscribed(m: SubscribedMessage): void {
    if (typeof m.topic !== "string" || typeof m.epoch !== "string" || typeof m.offset !== "number") return;
    const result: SubscribeResult = { epoch: m.epoch, offset: m.offset, recovered: m.recovered === true };
    if (m.snapshot === true) result.snapshot = true;
    const { subs, events } = this.host;
    const own = subs.get(m.topic);
    if (own !== undefined) {
      // The client asked for the same topic meanwhile: the server's subscription is that one.
      own.acked(result);
      return;
    }
    const options: SubscribeOptions = {};
    const o = m.options;
    if (o?.mode === "latest" || o?.mode === "stream") options.mode = o.mode;
    if (typeof o?.maxRate === "number") options.maxRate = o.maxRate;
    if (o?.snapshot === true) options.snapshot = true;
    if (o?.presence === true) options.presence = true;
    try {
      checkSubscribeOptions(options);
    } catch {
      delete options.maxRate;
    }
    const sub = new Subscription(
      this.host.subHost,
      m.topic,
      (data, pub) => events.emit("publication", pub.topic, data, pub),
      options,
      true,
    );
    subs.set(m.topic, sub);
    sub.acked(result);
    events.emit("subscribed", m.topic, sub);
  }

  /** Server code ended this client's subscription to `topic`. */
  unsubscribed(topic: string): void {
    const { subs, events } = this.host;
    const sub = subs.get(topic);
    if (sub === undefined) return;
    sub.end(new DashwireClientError(ErrorCode.NotSubscribed, `the server ended the subscription to ${topic}`), false);
    this.host.subHost.forget(sub, false);
    events.emit("unsubscribed", topic, sub);
  }
}
