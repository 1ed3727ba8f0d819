import type { ProtocolName } from "../load/protocols/index.js";

/** Names of the targets the harness can run. */
export const TARGET_NAMES = [
  "dashwire",
  "socketio",
  "ws",
  "flask-socketio",
  "django-channels",
  "django-channels-memory",
] as const;

/** A target's name. */
export type TargetName = (typeof TARGET_NAMES)[number];

/** How to start a server process. */
export interface ServerCommand {
  cmd: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** How several processes of a target share traffic: the scale-out its docs show. */
export interface ScaleOut {
  /** What joins the nodes, for the report (e.g. "Redis (channels_redis)"). */
  via: string;
  /** True when one node already goes through the broker (Channels' layer is Redis anyway). */
  singleUsesBroker: boolean;
  /** Environment of every node of one cluster; `runId` is unique per run. */
  env(runId: string, redisUrl: string): Record<string, string>;
  /** Key prefixes a cluster leaves in Redis (deleted after the run). */
  redisPrefixes(runId: string): string[];
}

/** A server the harness benchmarks: how to start it and how to talk to it. */
export interface TargetDefinition {
  name: TargetName;
  /** Label in reports, with the stack it runs on. */
  label: string;
  /** Runtime, for the report. */
  runtime: "node" | "python";
  protocol: ProtocolName;
  /** WebSocket endpoint path (the protocol's default when absent). */
  path?: string;
  /** The command that serves the dashboard app on `host:port`. */
  command(port: number, host: string): ServerCommand;
  /** Its documented way to run as several processes (absent: none). */
  scaleOut?: ScaleOut;
  /** Why the target cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
}
