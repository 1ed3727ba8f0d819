/**
 * Runs one example by name: `node examples/dist/run.js ticker|chat|express|fastify|hono [--port N]`
 * (what `npm run example:<name>` does). The port comes from `--port N` (or a bare number), else
 * the `PORT` environment variable, else the example's own (3001 to 3005); `0` picks a free one.
 * Stops cleanly on Ctrl-C.
 */
import { startChat } from "./chat/server.js";
import { startExpress } from "./frameworks/express.js";
import { startFastify } from "./frameworks/fastify.js";
import { startHono } from "./frameworks/hono.js";
import { portFrom } from "./port.js";
import { startTicker } from "./ticker/server.js";

const examples = {
  ticker: { start: startTicker, port: 3001 },
  chat: { start: startChat, port: 3002 },
  express: { start: startExpress, port: 3003 },
  fastify: { start: startFastify, port: 3004 },
  hono: { start: startHono, port: 3005 },
};
const usage = `usage: npm run example:<name> [-- --port N]   (or: node examples/dist/run.js <name> [--port N])

  <name>      ${Object.keys(examples).join(" | ")}
  --port N    port to listen on (0: any free port); default: $PORT, else ticker 3001, chat 3002, express 3003, fastify 3004, hono 3005`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage);
  process.exit(0);
}
const name = args[0] as keyof typeof examples;
const example = examples[name];
if (example === undefined) {
  console.error(usage);
  process.exit(2);
}
let port: number;
try {
  port = portFrom(args.slice(1), process.env) ?? example.port;
} catch (err) {
  console.error(`${(err as Error).message}\n\n${usage}`);
  process.exit(2);
}
const { port: bound, close } = await example.start(port);
console.log(`dashwire ${name} example: http://127.0.0.1:${bound}/  (Ctrl-C to stop)`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    close().then(() => process.exit(0));
  });
