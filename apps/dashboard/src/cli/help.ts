import { ENV_VARS } from "../config/load-config.js";

/** `dashwire --help`. */
export const MAIN_HELP = `dashwire — real-time dashboards

Usage:
  dashwire start [options]                       start the server with the dashboard
  dashwire send <metric> <value> [tag=value…]    push one point to a running server
  dashwire <command> --help                      help for a command
  dashwire --version

Run "npm start" from the repository to set up, build the UI and start with the demo feed.`;

/** `dashwire start --help`. */
export const START_HELP = `Usage: dashwire start [options]

Starts dashwire with the dashboard web UI, the metrics API and the live socket, and prints the URL.

Options:
  -p, --port <n>             TCP port (default 8080; 0 picks a free one)
      --host <addr>          interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
  -w, --workers <n>          worker processes sharing the port (default: number of cores; 1: one process)
      --broker <url>         memory (default) | redis://host:6379 | nats://host:4222 (several machines)
      --demo / --no-demo     run the demo feed of realistic metrics (default on)
  -c, --config <file.json>   JSON config file (same names as the options, e.g. {"port": 9000})
      --data-dir <dir>       where the SQLite database lives (default .data; shared by the workers)
      --store <url>          sqlite (default) | postgres://user@host/db?schema=name (several machines)
      --sync <mode>          SQLite durability: full (default; an ack survives power loss) | normal
                             (an ack survives a process kill; an OS crash may lose the last commits)
      --retention <spec>     how long each resolution is kept (default 1s=15m,10s=6h,1m=7d); the
                             1 s retention is also the window in which points are accepted
      --api-key <key:scopes> require API keys; scopes read,write,admin (repeatable)
      --no-public-read       with API keys, require the read scope for reads too (HTTP and socket)
      --private-metrics      /metrics, /api/v1/config and /healthz details need a read key
      --cors-origin <url>    allow a browser origin to call the API and socket (repeatable)
      --allowed-hosts <name> a host name browsers use to reach this server, besides localhost
                             and IP addresses (repeatable or comma-separated; * for any)
      --webhook-hosts <name> a host alert webhooks may call (repeatable or comma-separated;
                             .example.com for a domain, * for any; default none)
      --max-series <n>       series limit (default 10000)
      --tls-cert <file>      PEM certificate: serve HTTPS and WSS (needs --tls-key)
      --tls-key <file>       PEM private key for --tls-cert
      --log-level <level>    fatal | error | warn (default) | info | debug | silent
      --graphite <addr>      accept Graphite plaintext over TCP, e.g. 127.0.0.1:2003 (:2003: on --host)
      --statsd <addr>        accept StatsD over UDP, e.g. 127.0.0.1:8125 (:8125: on --host)
      --statsd-flush-ms <n>  StatsD aggregation interval (default 1000; 100-60000)
  -h, --help                 this help

Environment (flags win over environment, environment over the config file):
${Object.entries(ENV_VARS)
  .map(([k, v]) => `  ${k.padEnd(24)} ${v}`)
  .join("\n")}

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM: publishes the last closed second, tells connected
clients "going away" (long-polling ones on their next poll, for up to 5 s), stops accepting and
exits 0; every acknowledged write is already on disk. With workers the primary tells every
worker, waits for them, then exits 0; a worker that dies is restarted. Exit code 1 when a worker
did not stop cleanly, stopping took over 12 s, or a second signal came (docs/deploy.md).`;

/** `dashwire send --help`. */
export const SEND_HELP = `Usage: dashwire send <metric> <value> [tag=value…] [options]

Pushes one point to a running dashwire (POST /api/v1/metrics).

  dashwire send cpu.usage 42.5 host=web-1 region=eu

Options:
      --url <url>      server base URL (default $DASHWIRE_URL or http://127.0.0.1:$DASHWIRE_PORT or :8080)
      --api-key <key>  API key with the write scope (default $DASHWIRE_API_KEY)
      --ts <ms>        timestamp in ms since the epoch (default: now, set by the server)
  -h, --help           this help

Exit status: 0 stored, 1 refused or server unreachable, 2 bad usage.`;
