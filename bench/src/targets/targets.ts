import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TargetDefinition, TargetName } from "./target-definition.js";

/** Debian's interpreter: it sees Debian's dist-packages (a pyenv python3 may shadow it on PATH). */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Folder of the peer reference apps (the same from src/ and dist/). */
export const PEERS_DIR = fileURLToPath(new URL("../../peers/", import.meta.url));

/** The built dashwire target (the same path from src/ under tests and from dist/). */
const DASHWIRE_SERVER = fileURLToPath(new URL("../../dist/targets/dashwire-server.js", import.meta.url));

function pythonHas(modules: string): string | undefined {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`;
  const r = spawnSync(SYSTEM_PYTHON, ["-c", `import ${modules}`], { encoding: "utf8" });
  return r.status === 0 ? undefined : `missing Python modules (${modules}): run bench/peers/install.sh`;
}

const pythonEnv = { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };

function djangoChannels(layer: "redis" | "memory"): TargetDefinition {
  return {
    name: layer === "redis" ? "django-channels" : "django-channels-memory",
    label: layer === "redis" ? "Django Channels (Redis layer)" : "Django Channels (in-memory layer)",
    runtime: "python",
    protocol: "json-ws",
    path: "/ws/dashboard/",
    command: (port, host) => ({
      cmd: SYSTEM_PYTHON,
      args: ["-m", "daphne", "-v", "0", "-b", host, "-p", String(port), "dashpeer.asgi:application"],
      cwd: `${PEERS_DIR}django-channels`,
      env: { ...pythonEnv, DASHPEER_LAYER: layer, DASHPEER_PREFIX: `dashwire-bench-${process.pid}-${port}` },
    }),
    unavailable: () => pythonHas(layer === "redis" ? "daphne, channels, channels_redis" : "daphne, channels"),
    ...(layer === "redis"
      ? {
          scaleOut: {
            via: "Redis (channels_redis)",
            singleUsesBroker: true,
            // Every daphne process of one cluster shares the layer's prefix: one set of groups.
            env: (runId: string, redisUrl: string) => ({ DASHPEER_PREFIX: runId, DASHPEER_REDIS_URL: redisUrl }),
            redisPrefixes: (runId: string) => [runId],
          },
        }
      : {}),
  };
}

/** Every target the harness knows, by name. */
export const TARGETS: Record<TargetName, TargetDefinition> = {
  dashwire: {
    name: "dashwire",
    label: "dashwire",
    runtime: "node",
    protocol: "dashwire",
    path: "/dashwire",
    command: (port, host) => ({ cmd: process.execPath, args: [DASHWIRE_SERVER, String(port), host] }),
    scaleOut: {
      via: "Redis (@dashwire/broker-redis)",
      singleUsesBroker: false,
      env: (runId, redisUrl) => ({ DASHWIRE_BENCH_REDIS: redisUrl, DASHWIRE_BENCH_PREFIX: `${runId}:` }),
      redisPrefixes: (runId) => [`${runId}:`],
    },
    unavailable: () => {
      if (!existsSync(DASHWIRE_SERVER)) return "bench is not built (bench/dist/targets/dashwire-server.js)";
      try {
        const entry = fileURLToPath(import.meta.resolve("@dashwire/server"));
        return existsSync(entry) ? undefined : `@dashwire/server is not built (${entry})`;
      } catch (error) {
        return `@dashwire/server not found: ${error instanceof Error ? error.message : String(error)}`;
      }
    },
  },
  socketio: {
    name: "socketio",
    label: "Socket.IO (Node)",
    runtime: "node",
    protocol: "socketio",
    command: (port, host) => ({ cmd: process.execPath, args: [`${PEERS_DIR}socketio/server.mjs`, String(port), host] }),
    scaleOut: {
      via: "Redis (@socket.io/redis-adapter, ioredis)",
      singleUsesBroker: false,
      env: (runId, redisUrl) => ({ SOCKETIO_REDIS: redisUrl, SOCKETIO_REDIS_KEY: runId }),
      // Pub/sub channels only: nothing stays in Redis.
      redisPrefixes: () => [],
    },
    unavailable: () => undefined,
  },
  ws: {
    name: "ws",
    label: "ws (Node, one write per message)",
    runtime: "node",
    protocol: "json-ws",
    path: "/",
    command: (port, host) => ({ cmd: process.execPath, args: [`${PEERS_DIR}ws/server.mjs`, String(port), host] }),
    unavailable: () => undefined,
  },
  "flask-socketio": {
    name: "flask-socketio",
    label: "Flask-SocketIO (eventlet)",
    runtime: "python",
    protocol: "socketio",
    command: (port, host) => ({
      cmd: SYSTEM_PYTHON,
      args: [`${PEERS_DIR}flask-socketio/app.py`, String(port), host],
      env: pythonEnv,
    }),
    scaleOut: {
      via: "Redis (Flask-SocketIO message_queue, redis-py)",
      singleUsesBroker: false,
      env: (runId, redisUrl) => ({ DASHPEER_MESSAGE_QUEUE: redisUrl, DASHPEER_CHANNEL: runId }),
      redisPrefixes: () => [],
    },
    unavailable: () => pythonHas("flask_socketio, eventlet"),
  },
  "django-channels": djangoChannels("redis"),
  "django-channels-memory": djangoChannels("memory"),
};
