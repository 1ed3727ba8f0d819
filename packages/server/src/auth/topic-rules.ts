import type { TopicAccess } from "../topic-config.js";

/**
 * An authorization hook for `canSubscribe`, `canPublish` or `canPresence`: a function of the
 * client's identity (`client.user`, set by connect middleware such as `jwtAuth`) and the topic.
 */
export type TopicRule = (access: TopicAccess) => boolean | Promise<boolean>;

/**
 * Allows only the user a topic belongs to: the `{param}` segment of the matching pattern must equal
 * `client.user.id`. With `server.topic("user:{id}:*", { canSubscribe: ownTopic("id") })` user
 * `alice` may use `user:alice:orders` and nothing under `user:bob:`. Anonymous clients, and a
 * pattern without that segment, are refused (never `undefined === undefined`).
 */
export function ownTopic(param = "id"): TopicRule {
  return ({ client, params }) => {
    const owner = params[param];
    const id = client.user?.id;
    return owner !== undefined && id !== undefined && owner === id;
  };
}

/**
 * Allows clients whose verified claim `claim` equals `value`, or contains it when the claim is an
 * array (e.g. `hasClaim("roles", "admin")`).
 */
export function hasClaim(claim: string, value: unknown): TopicRule {
  return ({ client }) => {
    const actual = client.user?.claims?.[claim];
    if (Array.isArray(actual)) return actual.includes(value);
    return actual !== undefined && actual === value;
  };
}

/** Allows when any rule allows (rules run in order and stop at the first yes). */
export function anyOf(...rules: TopicRule[]): TopicRule {
  return combine(rules, true);
}

/** Allows when every rule allows (rules run in order and stop at the first no). */
export function allOf(...rules: TopicRule[]): TopicRule {
  return combine(rules, false);
}

/** Runs rules synchronously until one returns a promise, so all-sync rules stay promise-free. */
function combine(rules: TopicRule[], stopOn: boolean): TopicRule {
  return (access) => {
    for (let i = 0; i < rules.length; i++) {
      const result = (rules[i] as TopicRule)(access);
      if (result instanceof Promise) return finishAsync(result, rules, i + 1, access, stopOn);
      if (result === stopOn) return stopOn;
    }
    return !stopOn;
  };
}

async function finishAsync(
  first: Promise<boolean>,
  rules: TopicRule[],
  from: number,
  access: TopicAccess,
  stopOn: boolean,
): Promise<boolean> {
  if ((await first) === stopOn) return stopOn;
  for (let i = from; i < rules.length; i++) if ((await (rules[i] as TopicRule)(access)) === stopOn) return stopOn;
  return !stopOn;
}
