import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../packages/server/test/until.js";
import type { LinkSink } from "../src/load/links/link.js";
import { WsLink } from "../src/load/links/ws-link.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** An unmasked server frame. */
function frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const body = Buffer.from(payload);
  const n = body.length;
  const head = n < 126 ? Buffer.from([0, n]) : n < 65_536 ? Buffer.from([0, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65_536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, body]);
}

/** Reads the client frames out of `bytes` (masked, as RFC 6455 requires of clients). */
function clientFrames(bytes: Buffer): { opcode: number; payload: string }[] {
  const out: { opcode: number; payload: string }[] = [];
  let at = 0;
  while (at + 6 <= bytes.length) {
    const opcode = (bytes[at] as number) & 0x0f;
    const masked = (bytes[at + 1] as number) & 0x80;
    expect(masked).toBe(0x80);
    const n = (bytes[at + 1] as number) & 0x7f;
    expect(n).toBeLessThan(126);
    const mask = bytes.subarray(at + 2, at + 6);
    const payload = Buffer.from(bytes.subarray(at + 6, at + 6 + n).map((b, i) => b ^ (mask[i & 3] as number)));
    out.push({ opcode, payload: payload.toString() });
    at += 6 + n;
  }
  return out;
}

let server: Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

/** A hand-written WebSocket server: answers the upgrade (`accept` overrides the key), then hands the socket over. */
async function serve(onOpen: (socket: Socket, received: Buffer[]) => void, accept?: string): Promise<string> {
  server = createServer((socket) => {
    let head = "";
    const received: Buffer[] = [];
    socket.on("data", (chunk) => {
      if (head.includes("\r\n\r\n")) {
        received.push(chunk);
        return;
      }
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? "";
      const digest =
        accept ??
        createHash("sha1")
          .update(key + GUID)
          .digest("base64");
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${digest}\r\n\r\n`,
      );
      onOpen(socket, received);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `ws://127.0.0.1:${address.port}`;
}

function recorder() {
  const frames: string[] = [];
  const closes: [number, string][] = [];
  const sink: LinkSink = {
    onFrame: (f) => frames.push(f.toString()),
    onClose: (code, reason) => closes.push([code, reason]),
    onError: () => {},
  };
  return { frames, closes, sink };
}

describe("WsLink (the load generator's WebSocket client)", () => {
  it("reads frames cut anywhere and glued together, fragmented and big messages included", async () => {
    const big = "y".repeat(3_000_000);
    const bytes = Buffer.concat([
      frame(1, "first"),
      frame(1, "x".repeat(300)),
      frame(1, "frag-", false),
      frame(0, "ment"),
      frame(1, big),
      frame(1, "last"),
    ]);
    const url = await serve((socket) => {
      // One byte at a time for the first frames, then the rest in one piece.
      let at = 0;
      const drip = () => {
        if (at >= 20) {
          socket.write(bytes.subarray(at));
          return;
        }
        socket.write(bytes.subarray(at, at + 1));
        at++;
        setTimeout(drip, 1);
      };
      drip();
    });
    const r = recorder();
    const link = new WsLink({ url, path: "/", localAddress: undefined, timeoutMs: 1000 }, r.sink);
    await link.opened;
    await until(() => r.frames.length === 5);
    expect(r.frames).toEqual(["first", "x".repeat(300), "frag-ment", big, "last"]);
    link.close();
  });

  it("sends masked text frames, answers pings with pongs, and reports the server's close", async () => {
    let client: Buffer[] = [];
    let peer: Socket | undefined;
    const url = await serve((socket, received) => {
      peer = socket;
      client = received;
    });
    const r = recorder();
    const link = new WsLink({ url, path: "/", localAddress: undefined, timeoutMs: 1000 }, r.sink);
    await link.opened;
    expect(link.send("hello")).toBe(true);
    peer?.write(frame(9, "are you there"));
    await until(() => clientFrames(Buffer.concat(client)).length === 2);
    const close = Buffer.alloc(2 + 3);
    close.writeUInt16BE(4001, 0);
    close.write("bye", 2);
    peer?.write(frame(8, close));
    await until(() => r.closes.length === 1);
    expect(clientFrames(Buffer.concat(client))).toEqual([
      { opcode: 1, payload: "hello" },
      { opcode: 10, payload: "are you there" },
      { opcode: 8, payload: close.subarray(0, 2).toString() },
    ]);
    expect(r.closes).toEqual([[4001, "bye"]]);
    expect(link.isOpen).toBe(false);
    expect(link.send("late")).toBe(false);
  });

  it("refuses a server whose accept key is wrong, and one that masks its frames", async () => {
    const bad = await serve(() => {}, "not-the-digest");
    const r = recorder();
    await expect(
      new WsLink({ url: bad, path: "/", localAddress: undefined, timeoutMs: 1000 }, r.sink).opened,
    ).rejects.toThrow("invalid Sec-WebSocket-Accept");
    server?.close();
    const masking = await serve((socket) => socket.write(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61])));
    const link = new WsLink({ url: masking, path: "/", localAddress: undefined, timeoutMs: 1000 }, r.sink);
    await link.opened;
    await until(() => r.closes.length === 1);
    expect(r.closes).toEqual([[1002, "masked server frame"]]);
    expect(r.frames).toEqual([]);
  });
});
