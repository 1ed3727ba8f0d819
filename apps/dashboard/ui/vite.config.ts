import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The dashboard SPA: bundled from the workspace TypeScript sources of the SDK (no prebuilt dist
// needed), emitted to apps/dashboard/dist-ui, which the backend serves at "/".
export default defineConfig({
  root: here("."),
  base: "./",
  publicDir: false,
  resolve: {
    alias: [
      { find: /^@dashwire\/client$/, replacement: here("../../../packages/client/src/index.ts") },
      { find: /^@dashwire\/protocol$/, replacement: here("../../../packages/protocol/src/index.ts") },
    ],
  },
  build: {
    outDir: here("../dist-ui"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 200,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` during UI work: proxy the API and socket to a running
    // `dashwire start` (DASHWIRE_URL, default http://127.0.0.1:8080).
    proxy: {
      "/api": process.env.DASHWIRE_URL ?? "http://127.0.0.1:8080",
      "/dashwire": { target: process.env.DASHWIRE_URL ?? "http://127.0.0.1:8080", ws: true },
    },
  },
});
