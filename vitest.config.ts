import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against TypeScript sources: workspace packages resolve to their src/ (no build needed).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@dashwire\/protocol$/, replacement: src("./packages/protocol/src/index.ts") },
      { find: /^@dashwire\/protocol\/msgpack$/, replacement: src("./packages/protocol/src/msgpack-codec.ts") },
      { find: /^@dashwire\/server$/, replacement: src("./packages/server/src/index.ts") },
      { find: /^@dashwire\/server\/testing$/, replacement: src("./packages/server/src/testing/index.ts") },
      { find: /^@dashwire\/server\/auth$/, replacement: src("./packages/server/src/auth/index.ts") },
      { find: /^@dashwire\/server\/cluster$/, replacement: src("./packages/server/src/cluster/index.ts") },
      { find: /^@dashwire\/client$/, replacement: src("./packages/client/src/index.ts") },
      { find: /^@dashwire\/client\/node$/, replacement: src("./packages/client/src/node.ts") },
      { find: /^@dashwire\/client\/msgpack$/, replacement: src("./packages/client/src/msgpack.ts") },
      { find: /^@dashwire\/react$/, replacement: src("./packages/react/src/index.ts") },
      { find: /^@dashwire\/broker-redis$/, replacement: src("./packages/broker-redis/src/index.ts") },
      { find: /^@dashwire\/broker-nats$/, replacement: src("./packages/broker-nats/src/index.ts") },
    ],
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "bench/src/**/*.test.ts",
      "bench/test/**/*.test.ts",
      "examples/test/**/*.test.ts",
      "clients/*/tests/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["./scripts/test-services.ts"],
    // The watchdog: a test that hangs its worker is named and killed (scripts/watchdog/reporter.ts).
    setupFiles: ["./scripts/watchdog/worker.ts"],
    reporters: ["default", "./scripts/watchdog/reporter.ts"],
    pool: "forks",
  },
});
