import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** A Lua script run by hash (EVALSHA), re-sent in full when the server lost it (restart, failover). */
export class LuaScript {
  readonly sha: string;
  constructor(
    readonly source: string,
    readonly keyCount: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  /** Runs the script; `args` holds the keys first, then the arguments. */
  async run(client: Redis | Cluster, args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, this.keyCount, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return client.eval(this.source, this.keyCount, ...args);
    }
  }
}

/**
 * One publication, atomically: epoch (created when missing, which also clears the topic's old
 * history), next offset, history entry (stream capped at the ring size), latest value per key
 * (capped, stalest key evicted), expiry of every key, then the pub/sub message. Running it all
 * in one script makes delivery order equal offset order on every node.
 *
 * KEYS: meta, stream, latest, order, channel.
 * ARGV: new epoch, time, urgent, has key, key, key as JSON, data, history size, history TTL ms,
 * latest keys, topic TTL ms, publish command ("SPUBLISH", "PUBLISH").
 */
export const publishScript = new LuaScript(
  `
local e = redis.call('HGET', KEYS[1], 'e')
if not e then
  e = ARGV[1]
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
end
local o = redis.call('HINCRBY', KEYS[1], 'o', 1)
redis.call('HSET', KEYS[1], 'e', e, 'n', ARGV[8], 'a', ARGV[9])
local p = o .. ' ' .. ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. e .. ' ' .. ARGV[6] .. '\\n' .. ARGV[7]
local ttl = tonumber(ARGV[11])
local n = tonumber(ARGV[8])
if n > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', n, o .. '-0', 'p', p)
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
else
  redis.call('DEL', KEYS[2])
end
local lk = tonumber(ARGV[10])
if ARGV[4] == '1' and lk > 0 then
  redis.call('HSET', KEYS[3], ARGV[5], p)
  redis.call('ZADD', KEYS[4], o, ARGV[5])
  local extra = redis.call('ZCARD', KEYS[4]) - lk
  if extra > 0 then
    local gone = redis.call('ZPOPMIN', KEYS[4], extra)
    for i = 1, #gone, 2 do redis.call('HDEL', KEYS[3], gone[i]) end
  end
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[3], ttl)
    redis.call('PEXPIRE', KEYS[4], ttl)
  end
end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call(ARGV[12], KEYS[5], p)
return {e, o}
`,
  5,
);

/**
 * A history read, atomically with the position it reports. Creates the epoch of a topic never
 * published (so the first publication lands in the epoch a subscriber already saw). Semantics
 * are the memory broker's: `since` recovers only when the ring still holds the next offset
 * within the TTL and the gap fits `limit`; else a snapshot when asked.
 *
 * KEYS: meta, stream, latest, order.
 * ARGV: new epoch, now, mode (s since | l last | p snapshot | n position), since epoch,
 * since offset, last, snapshot, limit, topic TTL ms.
 * Returns: epoch, offset, recovered (0|1), then encoded publications in offset order.
 */
export const historyScript = new LuaScript(
  `
local meta = redis.call('HMGET', KEYS[1], 'e', 'o', 'a')
local e = meta[1]
local o = tonumber(meta[2] or '0')
local a = tonumber(meta[3] or '0')
if not e then
  e = ARGV[1]
  o = 0
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  redis.call('HSET', KEYS[1], 'e', e, 'o', 0)
  local ttl = tonumber(ARGV[9])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
local out = {e, o, 0}
local limit = tonumber(ARGV[8])
local minTime = 0
if a > 0 then minTime = tonumber(ARGV[2]) - a end
local function timeOf(p) return tonumber(string.match(p, '^%d+ (%d+)')) end
local function snapshot()
  local keys = redis.call('ZRANGE', KEYS[4], -limit, -1)
  for i = 1, #keys, 500 do
    local vals = redis.call('HMGET', KEYS[3], unpack(keys, i, math.min(i + 499, #keys)))
    for j = 1, #vals do
      if vals[j] then out[#out + 1] = vals[j] end
    end
  end
end
local mode = ARGV[3]
if mode == 's' then
  local s = tonumber(ARGV[5])
  if ARGV[4] == e then
    if s >= o then
      out[3] = 1
    elseif o - s <= limit then
      local from = (s + 1) .. '-0'
      local entries = redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', o - s)
      local first = entries[1]
      if first and first[1] == from and timeOf(first[2][2]) >= minTime then
        out[3] = 1
        for i = 1, #entries do out[#out + 1] = entries[i][2][2] end
      end
    end
  end
  if out[3] == 0 and ARGV[7] == '1' then snapshot() end
elseif mode == 'l' then
  local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', math.min(tonumber(ARGV[6]), limit))
  for i = #entries, 1, -1 do
    local p = entries[i][2][2]
    if timeOf(p) >= minTime then out[#out + 1] = p end
  end
elseif mode == 'p' then
  snapshot()
end
return out
`,
  4,
);
