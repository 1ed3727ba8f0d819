/**
 * The methods of the server HTTP API: each takes the parsed JSON body and returns the `result`
 * object, or throws a coded error. They run what server code would run (`server.publish`, the
 * hub's presence, the broker's history, `server.disconnectUser`), so they behave the same on
 * every node of a cluster.
 */
import type { IncomingMessage } from "node:http";
import { ErrorCode, type PresenceInfo } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { z } from "zod";
import type { Broker, HistoryResult, Publication, PublishInput } from "../broker/broker.js";
import { toWireError } from "../errors.js";
import type { Hub } from "../hub.js";
import type { ResolvedServerOptions } from "../options.js";
import type { ServerStats } from "../stats.js";
import type { TopicConfig } from "../topic-config.js";
import type { DisconnectOptions } from "../user-disconnect.js";
import { IdempotencyCache } from "./server-api-idempotency.js";
import { ServerApiError } from "./server-api-request.js";
import {
  broadcastRequest,
  disconnectRequest,
  historyRequest,
  issueMessage,
  presenceRequest,
  publishRequest,
  topicsRequest,
} from "./server-api-schema.js";

/** What the methods use of the server (a `DashwireServer` is one). */
export interface ServerApiHost {
  readonly options: ResolvedServerOptions;
  readonly broker: Broker;
  readonly hub: Hub;
  readonly topics: TopicConfig;
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly nodeId: string;
  /** Connects the broker (once). */
  start(): Promise<void>;
  /** Whether `req`'s `Host` passes `allowedHosts` (refusals counted). */
  hostAllowed(req: IncomingMessage): boolean;
  disconnectUser(user: string, options?: DisconnectOptions): Promise<void>;
}

/** Limits of the methods (from `ServerApiOptions`). */
export interface ServerApiMethodLimits {
  maxBroadcastTopics: number;
  presenceWaitMs: number;
  idempotency: { size: number; ttlMs: number };
}

/** One API method: body in, `result` out. */
export type ServerApiMethod = (body: unknown) => Promise<unknown>;

/** Publications returned by `history` when the request gives no `limit`. */
const DEFAULT_HISTORY_LIMIT = 100;
/** Entries returned by `presence` and `topics` when the request gives no `limit`. */
const DEFAULT_LIST_LIMIT = 1000;

/** The methods by name (the last segment of `POST {path}/<name>`). */
export function serverApiMethods(host: ServerApiHost, limits: ServerApiMethodLimits): Map<string, ServerApiMethod> {
  const idempotent = new IdempotencyCache<unknown>(limits.idempotency.size, limits.idempotency.ttlMs);
  const maxHistory = host.options.limits.recoveryPublications;
  const broadcastSchema = broadcastRequest(limits.maxBroadcastTopics);
  const historySchema = historyRequest(maxHistory);

  /** Publishes `data` (JSON text, encoded once for every topic); broker failures become 503. */
  async function publishOne(topic: string, data: string, key?: string, urgent?: boolean): Promise<Publication> {
    await host.start();
    const input: PublishInput = { topic, data, retention: host.topics.resolve(topic).retention };
    if (key !== undefined) input.key = key;
    if (urgent) input.urgent = true;
    host.stats.publications++;
    try {
      return await host.broker.publish(input);
    } catch (err) {
      host.logger.warn({ err, topic }, "server API publish failed");
      throw new ServerApiError(503, ErrorCode.BrokerUnavailable, "publish failed: broker unavailable, retry");
    }
  }

  async function history(topic: string, query: Parameters<Broker["history"]>[1]): Promise<HistoryResult> {
    await host.start();
    try {
      return await host.broker.history(topic, query);
    } catch (err) {
      host.logger.warn({ err, topic }, "server API history failed");
      throw new ServerApiError(503, ErrorCode.BrokerUnavailable, "history failed: broker unavailable, retry");
    }
  }

  return new Map<string, ServerApiMethod>([
    [
      "publish",
      async (body) => {
        const r = parse(publishRequest, body);
        const key = r.idempotencyKey === undefined ? undefined : `publish\n${r.idempotencyKey}`;
        return idempotent.run(key, async () => {
          const pub = await publishOne(r.topic, JSON.stringify(r.data), r.key, r.urgent);
          return { epoch: pub.epoch, offset: pub.offset };
        });
      },
    ],
    [
      "broadcast",
      async (body) => {
        const r = parse(broadcastSchema, body);
        const key = r.idempotencyKey === undefined ? undefined : `broadcast\n${r.idempotencyKey}`;
        return idempotent.run(key, async () => {
          const data = JSON.stringify(r.data);
          const publications = await Promise.all(
            r.topics.map((topic) =>
              publishOne(topic, data, r.key, r.urgent).then(
                (pub) => ({ topic, epoch: pub.epoch, offset: pub.offset }),
                (err: unknown) => ({ topic, error: toWireError(err) }),
              ),
            ),
          );
          return { publications };
        });
      },
    ],
    [
      "presence",
      async (body) => {
        const r = parse(presenceRequest, body);
        if (!host.topics.resolve(r.topic).options.presence)
          throw new ServerApiError(400, ErrorCode.PresenceDisabled, `presence is not enabled for ${r.topic}`);
        await host.start();
        // Waits until every other live node sent its list (at once on a lone node).
        await host.hub.presenceSync.watch(r.topic, limits.presenceWaitMs);
        const list: { count: number; clients: PresenceInfo[] } = host.hub.presenceList(
          r.topic,
          r.limit ?? DEFAULT_LIST_LIMIT,
        );
        return list;
      },
    ],
    [
      "history",
      async (body) => {
        const r = parse(historySchema, body);
        if (host.topics.resolve(r.topic).retention.historySize === 0)
          throw new ServerApiError(400, ErrorCode.HistoryUnavailable, `no history is kept for ${r.topic}`);
        const limit = r.limit ?? Math.min(DEFAULT_HISTORY_LIMIT, maxHistory);
        if (r.since === undefined) {
          const res = await history(r.topic, { last: limit, limit: maxHistory });
          return { epoch: res.epoch, offset: res.offset, publications: res.publications.map(entry) };
        }
        // All after `since` or nothing (the broker's rule); the caller pages with the last offset.
        const res = await history(r.topic, { since: r.since, limit: maxHistory });
        const publications = res.recovered ? res.publications.slice(0, limit).map(entry) : [];
        return { epoch: res.epoch, offset: res.offset, recovered: res.recovered, publications };
      },
    ],
    [
      "disconnect",
      async (body) => {
        const r = parse(disconnectRequest, body);
        const options: DisconnectOptions = {};
        if (r.client !== undefined) options.client = r.client;
        if (r.reconnect !== undefined) options.reconnect = r.reconnect;
        if (r.reason !== undefined) options.reason = r.reason;
        try {
          await host.disconnectUser(r.user, options);
        } catch (err) {
          host.logger.warn({ err }, "server API disconnect failed");
          throw new ServerApiError(503, ErrorCode.BrokerUnavailable, "disconnect failed: broker unavailable, retry");
        }
        return {};
      },
    ],
    [
      "topics",
      async (body) => {
        const r = parse(topicsRequest, body);
        const limit = r.limit ?? DEFAULT_LIST_LIMIT;
        const topics: { topic: string; subscribers: number }[] = [];
        let count = 0;
        for (const [topic, subscribers] of host.hub.localTopics()) {
          if (r.prefix !== undefined && !topic.startsWith(r.prefix)) continue;
          count++;
          if (topics.length < limit) topics.push({ topic, subscribers });
        }
        return { node: host.nodeId, count, topics };
      },
    ],
  ]);
}

/** Validates a body; a mismatch is a 400 naming the field (1006 for a bad topic name, else 1002). */
function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const badName = issue?.code === "custom" && (path[0] === "topic" || (path[0] === "topics" && path.length === 2));
  throw new ServerApiError(400, badName ? ErrorCode.InvalidTopic : ErrorCode.InvalidField, issueMessage(parsed.error));
}

/** A publication as `history` returns it: its data as JSON again, not as text. */
function entry(pub: Publication): { offset: number; time: number; key?: string; data: unknown } {
  return pub.key === undefined
    ? { offset: pub.offset, time: pub.time, data: JSON.parse(pub.data) }
    : { offset: pub.offset, time: pub.time, key: pub.key, data: JSON.parse(pub.data) };
}
