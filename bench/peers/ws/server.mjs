// The all-to-all dashboard peer on raw ws: the broadcast loop from ws's README, one send per
// client per message. The floor for a Node server that does one write per message.
// Run: node server.mjs <port> [host]
import { WebSocket, WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 8080);
const host = process.argv[3] ?? "127.0.0.1";

const wss = new WebSocketServer({ port, host });

wss.on("connection", (ws) => {
  ws.on("error", console.error);
  ws.on("message", (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});

wss.on("listening", () => console.log(`ws peer listening on ${host}:${port}`));
