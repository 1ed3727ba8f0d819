import { dataJson, ErrorCode, type PublishMessage, type RefreshMessage } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker, PublishInput, TopicRetention } from "./broker/broker.js";
import { ConnectContext, type HandshakeInfo } from "./connect-context.js";
import { DashwireError, toWireError } from "./errors.js";
import type { Session } from "./session.js";
import type { ServerStats } from "./stats.js";
import type { TopicConfig } from "./topic-config.js";

/** What a client's `pub` and `refresh` need from the server. */
export interface RequestHost {
  readonly options: { readonly limits: { readonly publishBytes: number } };
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly broker: Broker;
  readonly topics: TopicConfig;
  /** True when a codec carries bytes: typed arrays in data are kept, tagged (`dataJson`). */
  readonly binaryData: boolean;
  runConnectMiddleware(ctx: ConnectContext): Promise<void>;
}

/**
 * The broker's input for one publication; `data` is encoded to JSON here, once. With `binary`
 * (the server speaks a binary codec), typed arrays in it are kept as tagged base64 objects that
 * binary codecs turn back into bytes on the wire (issue 19).
 */
export function publishInput(
  topic: string,
  data: unknown,
  retention: TopicRetention,
  key: string | undefined,
  urgent: boolean | undefined,
  binary: boolean,
): PublishInput {
  const input: PublishInput = { topic, data: dataJson.stringify(data, binary), retention };
  if (key !== undefined) input.key = key;
  if (urgent) input.urgent = true;
  return input;
}

/** A client's `pub`: checks the topic's publish rule, publishes, acks with the position. */
export function publishFromClient(core: RequestHost, session: Session, msg: PublishMessage): void {
  const config = core.topics.resolve(msg.topic);
  const hook = config.options.canPublish;
  if (hook === undefined) {
    if (config.options.clientPublish) publish(core, session, msg, config.retention);
    else session.replyError(msg.id, { code: ErrorCode.Forbidden, message: `clients may not publish to ${msg.topic}` });
    return;
  }
  // A sync throw from the hook lands in the rejection path too (`new Promise` runs it inside).
  new Promise<boolean>((resolve) => resolve(hook({ client: session, topic: msg.topic, params: config.params })))
    .then(
      (ok) => {
        if (ok) publish(core, session, msg, config.retention);
        else
          session.replyError(msg.id, { code: ErrorCode.Forbidden, message: `not allowed to publish to ${msg.topic}` });
      },
      (err: unknown) => {
        if (!(err instanceof DashwireError)) core.logger.error({ err, topic: msg.topic }, "canPublish failed");
        session.replyError(msg.id, toWireError(err));
      },
    )
    .catch((err: unknown) => session.fail(err));
}

function publish(core: RequestHost, session: Session, msg: PublishMessage, retention: TopicRetention): void {
  const id = msg.id;
  const input = publishInput(msg.topic, msg.data, retention, msg.key, msg.urgent, core.binaryData);
  const max = core.options.limits.publishBytes;
  if (input.data.length > max) {
    core.stats.limit("publishBytes");
    session.replyError(id, { code: ErrorCode.PayloadTooLarge, message: `publication data larger than ${max} bytes` });
    return;
  }
  core.stats.publications++;
  core.broker
    .publish(input)
    .then(
      (pub) => {
        if (id !== undefined) session.reply(id, { epoch: pub.epoch, offset: pub.offset });
      },
      (err: unknown) => {
        core.logger.warn({ err, topic: msg.topic }, "publish failed");
        session.replyError(id, { code: ErrorCode.BrokerUnavailable, message: "publish failed: broker unavailable" });
      },
    )
    .catch((err: unknown) => session.fail(err));
}

/**
 * A client's `refresh`: connect middleware runs again on the new credentials, and the ack says
 * how long they last (`ttl`, ms). Refused, keeping the identity and the earlier expiry:
 * credentials that never expire for a session whose credentials do (a refresh must not make a
 * bounded session unbounded, issue 12 item 6), and credentials naming no user for a session that
 * has one.
 */
export function refreshCredentials(core: RequestHost, session: Session, msg: RefreshMessage): void {
  const info: HandshakeInfo = {
    headers: {},
    query: new URLSearchParams(),
    remoteAddress: session.remoteAddress,
    transport: session.transport,
  };
  const ctx = new ConnectContext(session, info, { t: "connect", v: 1, token: msg.token });
  core
    .runConnectMiddleware(ctx)
    .then(
      () => {
        if (!session.isOpen) return;
        if (ctx.expiresAt === undefined && session.expiresAt !== undefined) {
          session.replyError(msg.id, {
            code: ErrorCode.Unauthorized,
            message: "refresh credentials do not expire; this session's do",
          });
          return;
        }
        if (ctx.user === undefined && session.user !== undefined) {
          session.replyError(msg.id, { code: ErrorCode.Unauthorized, message: "refresh credentials name no user" });
          return;
        }
        session.renew(ctx.user, ctx.expiresAt);
        session.reply(msg.id, ctx.expiresAt === undefined ? undefined : { ttl: session.ttl() });
      },
      (err: unknown) => session.replyError(msg.id, toWireError(err)),
    )
    .catch((err: unknown) => session.fail(err));
}
