import type { TopicRetention } from "./broker/broker.js";
import type { Client } from "./client.js";

/** What an authorization hook is asked about. */
export interface TopicAccess {
  client: Client;
  topic: string;
  /** Values captured by `{name}` segments of the matching pattern. */
  params: Record<string, string>;
}

/** Options of a topic pattern, set with `server.topic(pattern, options)`. */
export interface TopicOptions {
  /** History ring: last `size` publications, none older than `ttlMs` (0: no age limit). */
  history?: { size: number; ttlMs?: number };
  /** Keep the latest publication per key (for `snapshot: true`), at most `maxKeys` keys. */
  latest?: { maxKeys: number };
  /** Track who is subscribed; clients may ask the list and get join/leave messages. */
  presence?: boolean;
  /** Let clients publish here (the default is server-only publishing). */
  clientPublish?: boolean;
  /** Highest `maxRate` a `latest` subscription may ask for. */
  maxRate?: number;
  /** Decides whether a client may subscribe (default: yes). */
  canSubscribe?(access: TopicAccess): boolean | Promise<boolean>;
  /** Decides whether a client may publish (default: `clientPublish`). */
  canPublish?(access: TopicAccess): boolean | Promise<boolean>;
  /** Decides whether a client may read the presence list (default: whoever may subscribe). */
  canPresence?(access: TopicAccess): boolean | Promise<boolean>;
}

/** Options that apply to topics no pattern matches. */
export const topicDefaults: TopicOptions = {
  history: { size: 100, ttlMs: 300_000 },
  latest: { maxKeys: 1000 },
  presence: false,
  clientPublish: false,
  maxRate: 60,
};

/** Options of one concrete topic, resolved from the first matching pattern. */
export interface ResolvedTopic {
  options: TopicOptions;
  params: Record<string, string>;
  retention: TopicRetention;
}

interface Pattern {
  source: string;
  regex: RegExp;
  names: string[];
  options: TopicOptions;
}

const CACHE_LIMIT = 10_000;

/**
 * Topic patterns: `*` matches any rest of the name, `{name}` one segment (no `:`). Exact names
 * win over patterns; among patterns the first registered match wins.
 */
export class TopicConfig {
  private readonly exact = new Map<string, TopicOptions>();
  private readonly patterns: Pattern[] = [];
  private readonly cache = new Map<string, ResolvedTopic>();
  private readonly fallback: ResolvedTopic;

  constructor(defaults: TopicOptions = topicDefaults) {
    this.fallback = { options: defaults, params: {}, retention: retentionOf(defaults) };
  }

  /** Registers options for a name or pattern. Unset fields take the defaults. */
  set(pattern: string, options: TopicOptions): void {
    const merged = { ...this.fallback.options, ...options };
    this.cache.clear();
    if (!pattern.includes("*") && !pattern.includes("{")) {
      this.exact.set(pattern, merged);
      return;
    }
    const names: string[] = [];
    const body = pattern
      .split(/(\*|\{[A-Za-z_][A-Za-z0-9_]*\})/)
      .map((part) => {
        if (part === "*") return ".*";
        if (part.startsWith("{")) {
          names.push(part.slice(1, -1));
          return "([^:]+)";
        }
        return part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      })
      .join("");
    this.patterns.push({ source: pattern, regex: new RegExp(`^${body}$`), names, options: merged });
  }

  /** Options for one topic (cached; the cache is bounded and simply cleared when full). */
  resolve(topic: string): ResolvedTopic {
    const hit = this.cache.get(topic);
    if (hit !== undefined) return hit;
    let resolved = this.fallback;
    const exact = this.exact.get(topic);
    if (exact !== undefined) resolved = { options: exact, params: {}, retention: retentionOf(exact) };
    else {
      for (const p of this.patterns) {
        const m = p.regex.exec(topic);
        if (m === null) continue;
        const params: Record<string, string> = {};
        p.names.forEach((name, i) => {
          params[name] = m[i + 1] as string;
        });
        resolved = { options: p.options, params, retention: retentionOf(p.options) };
        break;
      }
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(topic, resolved);
    return resolved;
  }
}

function retentionOf(o: TopicOptions): TopicRetention {
  return {
    historySize: o.history?.size ?? 0,
    historyTtlMs: o.history?.ttlMs ?? 0,
    latestKeys: o.latest?.maxKeys ?? 0,
  };
}
