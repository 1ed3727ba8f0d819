/**
 * The two dashboards every install has: "demo" (the demo feed) and "system" (dashwire's own
 * metrics). They can be edited through the API but not deleted.
 */
import { demoSeriesIds as d } from "../feeds/demo-feed.js";
import { systemSeriesIds as s } from "../feeds/system-feed.js";
import type { Dashboard } from "./dashboard-schema.js";

/** Ids of the built-in dashboards. */
export const BUILTIN_DASHBOARD_IDS: ReadonlySet<string> = new Set(["demo", "system"]);

/** Fresh copies of the built-in dashboards. */
export function builtinDashboards(): Dashboard[] {
  return [
    {
      id: "demo",
      title: "Demo",
      // One host's memory at a time: `$host` takes the host tags of the memory series.
      variables: [{ name: "host", tag: "host", match: "mem.used_mb,", label: "Host", default: "web-1" }],
      panels: [
        {
          id: "cpu",
          kind: "timeseries",
          title: "CPU usage",
          series: [d.cpu(1), d.cpu(2), d.cpu(3)],
          windowSec: 300,
          maxRate: 2,
          min: 0,
          max: 100,
          unit: "%",
        },
        {
          id: "rps",
          kind: "stat",
          title: "Requests / s",
          series: [d.requests],
          maxRate: 2,
          thresholds: [
            { value: 0, color: "green" },
            { value: 1000, color: "orange" },
            { value: 1300, color: "red" },
          ],
        },
        {
          id: "errors",
          kind: "stat",
          title: "Error rate",
          series: [d.errors],
          maxRate: 2,
          unit: "%",
          thresholds: [
            { value: 0, color: "green" },
            { value: 1, color: "orange" },
            { value: 5, color: "red" },
          ],
        },
        {
          id: "temp",
          kind: "gauge",
          title: "Rack temperature",
          series: [d.temperature],
          maxRate: 1,
          min: 10,
          max: 40,
          unit: "°C",
          thresholds: [
            { value: 10, color: "green" },
            { value: 28, color: "orange" },
            { value: 32, color: "red" },
          ],
        },
        {
          id: "latency",
          kind: "timeseries",
          title: "Latency p50 / p99",
          series: [d.latencyP50, d.latencyP99],
          windowSec: 300,
          maxRate: 2,
          unit: "ms",
        },
        {
          id: "mem",
          kind: "timeseries",
          title: "Memory on $host",
          series: ["mem.used_mb,host=$host"],
          windowSec: 300,
          maxRate: 2,
          unit: "MB",
        },
        { id: "queue", kind: "timeseries", title: "Queue depth", series: [d.queue], windowSec: 600, maxRate: 1 },
        {
          id: "hosts",
          kind: "table",
          title: "Hosts",
          series: [d.cpu(1), d.cpu(2), d.cpu(3), d.memory(1), d.memory(2), d.memory(3)],
          maxRate: 1,
        },
        { id: "users", kind: "stat", title: "Users online (app)", series: [d.users], maxRate: 1 },
        { id: "online", kind: "online", title: "Viewing this dashboard", series: [] },
      ],
    },
    {
      id: "system",
      title: "System",
      panels: [
        { id: "connections", kind: "stat", title: "Connections", series: [s.connections], maxRate: 2 },
        { id: "processes", kind: "stat", title: "Processes", series: [s.processes], maxRate: 1 },
        {
          id: "cpu",
          kind: "timeseries",
          title: "CPU (% of a core, all processes)",
          series: [s.cpu],
          windowSec: 300,
          maxRate: 2,
          unit: "%",
        },
        {
          id: "deliveries",
          kind: "timeseries",
          title: "Deliveries / s",
          series: [s.deliveries],
          windowSec: 300,
          maxRate: 2,
        },
        {
          id: "drops",
          kind: "stat",
          title: "Queue drops / s",
          series: [s.queueDrops],
          maxRate: 2,
          thresholds: [
            { value: 0, color: "green" },
            { value: 1, color: "red" },
          ],
        },
        {
          id: "loop",
          kind: "timeseries",
          title: "Event-loop delay p99",
          series: [s.eventLoopDelay],
          windowSec: 300,
          maxRate: 2,
          unit: "ms",
        },
        {
          id: "rss",
          kind: "gauge",
          title: "RSS (all processes)",
          series: [s.rss],
          maxRate: 1,
          min: 0,
          max: 1024,
          unit: "MB",
        },
        {
          id: "memory",
          kind: "timeseries",
          title: "Memory",
          series: [s.rss, s.heap, s.rollup],
          windowSec: 900,
          maxRate: 1,
          unit: "MB",
        },
        { id: "ingest", kind: "timeseries", title: "Points in / s", series: [s.ingest], windowSec: 300, maxRate: 2 },
        { id: "series", kind: "stat", title: "Series", series: [s.series], maxRate: 1 },
        { id: "online", kind: "online", title: "Viewing this dashboard", series: [] },
      ],
    },
  ];
}
