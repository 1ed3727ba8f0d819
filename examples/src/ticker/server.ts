/**
 * Live ticker: the server pushes prices, browsers show them. Run: `npm run example:ticker`,
 * then open the printed URL.
 */
import http from "node:http";
import { createServer } from "@dashwire/server";
import { IMPORT_MAP, serveStatic } from "../static.js";

const SYMBOLS = ["ACME", "GLOBEX", "INITECH", "UMBRELLA"];

const PAGE = `<!doctype html><meta charset="utf-8"><title>dashwire ticker</title>
<style>body{font:16px system-ui;margin:2rem}td{padding:.3rem 1rem}.up{color:#1a7f37}.down{color:#cf222e}</style>
<h1>Live ticker</h1><p id="state">connecting…</p><table id="t"></table>
${IMPORT_MAP}
<script type="module">
import { connect } from "@dashwire/client";
const client = connect(location.origin.replace(/^http/, "ws") + "/dashwire");
client.on("state", (s) => (document.getElementById("state").textContent = s));
const rows = {};
client.subscribe("ticker", (d) => {
  const row = rows[d.symbol] ??= document.getElementById("t").insertRow();
  row.innerHTML = "<td>" + d.symbol + "</td><td class=" + (d.change >= 0 ? "up" : "down") + ">" + d.price.toFixed(2) + "</td>";
}, { mode: "latest", maxRate: 10, snapshot: true });
</script>`;

/** Starts the ticker on `port` (0: any); resolves with the port and a stop function. */
export async function startTicker(
  port = 3001,
  intervalMs = 200,
): Promise<{ port: number; close: () => Promise<void> }> {
  const app = createServer({ logLevel: "warn" });
  app.topic("ticker", { latest: { maxKeys: 100 } });
  const httpServer = http.createServer((req, res) => {
    serveStatic(req, res, PAGE).then((served) => served || res.writeHead(404).end());
  });
  app.attach(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  const prices = new Map(SYMBOLS.map((s) => [s, 100]));
  const timer = setInterval(() => {
    for (const symbol of SYMBOLS) {
      const change = (Math.random() - 0.5) * 2;
      const price = Math.max(1, (prices.get(symbol) as number) + change);
      prices.set(symbol, price);
      void app.publish("ticker", { symbol, price, change }, { key: symbol });
    }
  }, intervalMs);
  return {
    port: (httpServer.address() as { port: number }).port,
    close: async () => {
      clearInterval(timer);
      await app.close();
      await new Promise((r) => httpServer.close(r));
    },
  };
}
