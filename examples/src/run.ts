/**
 * Runs one example by name: `node examples/dist/run.js ticker|chat [port]` (what
 * `npm run example:ticker` and `npm run example:chat` do). Stops cleanly on Ctrl-C.
 */
import { startChat } from "./chat/server.js";
import { startTicker } from "./ticker/server.js";

const examples = { ticker: startTicker, chat: startChat };
const name = process.argv[2] as keyof typeof examples;
const start = examples[name];
if (start === undefined) {
  console.error(`usage: run.js ${Object.keys(examples).join("|")} [port]`);
  process.exit(2);
}
const { port, close } = await start(Number(process.argv[3] ?? (name === "ticker" ? 3001 : 3002)));
console.log(`dashwire ${name} example: http://127.0.0.1:${port}/  (Ctrl-C to stop)`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    close().then(() => process.exit(0));
  });
