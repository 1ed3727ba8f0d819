import { existsSync } from "node:fs";
import { Redis } from "ioredis";

/** Redis the benchmark's scale-out runs use (the one the machine runs for everybody). */
export const BENCH_REDIS_URL = "redis://127.0.0.1:6379/0";

/** Keys deleted per DEL command while cleaning up. */
const DELETE_BATCH = 500;

async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Whether Redis answers at `url`; the reason when it does not. */
export async function redisUnavailable(url = BENCH_REDIS_URL): Promise<string | undefined> {
  try {
    await withRedis(url, (r) => r.ping());
    return undefined;
  } catch (error) {
    return `Redis at ${url} does not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The pid of the Redis server (from `INFO server`), when it runs on this machine and /proc shows
 * it: its CPU and RSS are then read like the servers' (Redis' own CPU is part of a scale-out).
 */
export async function redisServerPid(url = BENCH_REDIS_URL): Promise<number | undefined> {
  try {
    const info = await withRedis(url, (r) => r.info("server"));
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes every key starting with `prefix` (what a run left in the shared Redis). */
export async function deleteRedisKeys(prefix: string, url = BENCH_REDIS_URL): Promise<number> {
  if (prefix.length < 8) throw new Error(`refusing to delete keys by the short prefix "${prefix}"`);
  return withRedis(url, async (redis) => {
    let cursor = "0";
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 1000);
      cursor = next;
      for (let i = 0; i < keys.length; i += DELETE_BATCH)
        deleted += await redis.del(...keys.slice(i, i + DELETE_BATCH));
    } while (cursor !== "0");
    return deleted;
  });
}
