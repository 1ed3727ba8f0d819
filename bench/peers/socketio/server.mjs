// The all-to-all dashboard peer on Socket.IO 4, as its docs show it: every socket joins one
// room; every update is emitted to the room. Run: node server.mjs <port> [host]
// With SOCKETIO_REDIS=redis://… it is one node of several, joined by the Redis adapter as its
// docs show it (@socket.io/redis-adapter with ioredis); SOCKETIO_REDIS_KEY keeps runs apart.
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 3000);
const host = process.argv[3] ?? "127.0.0.1";
const room = "dashboard";

const httpServer = createServer();
const io = new Server(httpServer, { cors: { origin: "*" } });

if (process.env.SOCKETIO_REDIS) {
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const { Redis } = await import("ioredis");
  const pubClient = new Redis(process.env.SOCKETIO_REDIS);
  const subClient = pubClient.duplicate();
  io.adapter(createAdapter(pubClient, subClient, { key: process.env.SOCKETIO_REDIS_KEY ?? "socket.io" }));
}

io.on("connection", (socket) => {
  socket.join(room);
  socket.on("update", (data) => {
    io.to(room).emit("update", data);
  });
});

httpServer.listen(port, host, () => console.log(`socket.io peer listening on ${host}:${port}`));
