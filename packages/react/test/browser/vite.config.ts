import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The React test page, bundled from the workspace sources. A development build on purpose:
// StrictMode double-runs effects only there, and that is what the test checks.
export default defineConfig({
  root: here("./page"),
  base: "./",
  mode: "development",
  publicDir: false,
  plugins: [react()],
  define: { "process.env.NODE_ENV": JSON.stringify("development") },
  resolve: {
    alias: [
      { find: /^@dashwire\/react$/, replacement: here("../../src/index.ts") },
      { find: /^@dashwire\/client$/, replacement: here("../../../client/src/index.ts") },
      { find: /^@dashwire\/protocol$/, replacement: here("../../../protocol/src/index.ts") },
    ],
  },
  build: { target: "es2022", minify: false, emptyOutDir: true },
  logLevel: "warn",
});
