import type { TransportName } from "./transport.js";

/** Remembers which transport last worked per endpoint, so the next connect skips blocked ones. */
export interface TransportMemory {
  /** The transport that worked for `url` within the memory's lifetime, if any. */
  get(url: string): TransportName | undefined;
  /** Records that `name` completed a handshake with `url`. */
  set(url: string, name: TransportName): void;
}

/** The part of the Web Storage API used (`localStorage`). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Endpoints remembered in memory; the oldest is forgotten past it. */
const MAX_REMEMBERED = 64;
const KEY_PREFIX = "dashwire:transport:";
const NAMES = new Set<string>(["websocket", "sse", "polling"]);

// Shared by the clients of one process (or page without storage), like the browser's storage is.
const processEntries = new Map<string, { name: TransportName; until: number }>();

/** `localStorage` when the page may use it (it throws in sandboxed frames and some private modes). */
function defaultStorage(): StorageLike | undefined {
  try {
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (storage === undefined) return undefined;
    const probe = `${KEY_PREFIX}probe`;
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

/**
 * A memory whose entries expire after `ttlMs`: in `localStorage` when available (so a reload or a
 * second tab skips a blocked WebSocket), otherwise in process memory (at most 64 endpoints).
 * `now` is the clock (the client's scheduler).
 */
export function createTransportMemory(
  ttlMs: number,
  now: () => number,
  storage: StorageLike | undefined = defaultStorage(),
): TransportMemory {
  return {
    get(url) {
      let entry: { name?: unknown; until?: unknown } | undefined;
      if (storage === undefined) entry = processEntries.get(url);
      else {
        try {
          entry = JSON.parse(storage.getItem(KEY_PREFIX + url) ?? "null") ?? undefined;
        } catch {
          entry = undefined;
        }
      }
      if (entry === undefined || typeof entry.until !== "number" || entry.until <= now()) return undefined;
      return typeof entry.name === "string" && NAMES.has(entry.name) ? (entry.name as TransportName) : undefined;
    },
    set(url, name) {
      const entry = { name, until: now() + ttlMs };
      if (storage !== undefined) {
        try {
          storage.setItem(KEY_PREFIX + url, JSON.stringify(entry));
        } catch {
          // Quota or privacy settings: not remembering only costs the next connect a detour.
        }
        return;
      }
      processEntries.delete(url);
      processEntries.set(url, entry);
      if (processEntries.size > MAX_REMEMBERED) processEntries.delete(processEntries.keys().next().value as string);
    },
  };
}
