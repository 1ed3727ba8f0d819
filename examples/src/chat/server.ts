/**
 * Chat: every client publishes, everyone sees, with who is online. Run: `npm run example:chat`,
 * then open the printed URL in two tabs.
 */
import http from "node:http";
import { createServer, DashwireError, ErrorCode } from "@dashwire/server";
import { IMPORT_MAP, serveStatic } from "../static.js";

const PAGE = `<!doctype html><meta charset="utf-8"><title>dashwire chat</title>
<style>body{font:16px system-ui;margin:2rem;max-width:40rem}#log{border:1px solid #ccc;height:20rem;overflow:auto;padding:.5rem}</style>
<h1>Chat</h1><p><span id="state">connecting…</span> · online: <b id="online">0</b></p>
<div id="log"></div><form id="f"><input id="text" autocomplete="off" placeholder="say something" size="40"> <button>Send</button></form>
${IMPORT_MAP}
<script type="module">
import { connect } from "@dashwire/client";
const name = "guest-" + Math.random().toString(36).slice(2, 6);
const client = connect(location.origin.replace(/^http/, "ws") + "/dashwire", { data: { name } });
client.on("state", (s) => (document.getElementById("state").textContent = s + " as " + name));
const log = document.getElementById("log");
const say = (line) => { const p = document.createElement("div"); p.textContent = line; log.append(p); log.scrollTop = log.scrollHeight; };
const sub = client.subscribe("chat:lobby", (m) => say(m.from + ": " + m.text), { presence: true, last: 20 });
const refresh = async () => (document.getElementById("online").textContent = (await client.presence("chat:lobby")).count);
sub.on("subscribed", refresh); sub.on("join", refresh); sub.on("leave", refresh);
document.getElementById("f").onsubmit = (e) => {
  e.preventDefault();
  const input = document.getElementById("text");
  if (input.value) client.publish("chat:lobby", { from: name, text: input.value }).catch((err) => say("! " + err.message));
  input.value = "";
};
</script>`;

/** Starts the chat on `port` (0: any); resolves with the port and a stop function. */
export async function startChat(port = 3002): Promise<{ port: number; close: () => Promise<void> }> {
  const app = createServer({ logLevel: "warn" });
  app.useConnect((ctx) => {
    const name = (ctx.data as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string" || name.length === 0 || name.length > 40)
      throw new DashwireError(ErrorCode.Unauthorized, "a name of 1-40 characters is required");
    ctx.user = { id: name };
  });
  app.topic("chat:*", { clientPublish: true, presence: true, history: { size: 200 } });
  const httpServer = http.createServer((req, res) => {
    serveStatic(req, res, PAGE).then((served) => served || res.writeHead(404).end());
  });
  app.attach(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  return {
    port: (httpServer.address() as { port: number }).port,
    close: async () => {
      await app.close();
      await new Promise((r) => httpServer.close(r));
    },
  };
}
