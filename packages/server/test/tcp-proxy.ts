import net from "node:net";

/**
 * A loopback TCP proxy for fault tests: `cut()` destroys every connection through it, as a
 * network failure would (no close frame); `hold()` stops bytes in one direction on every
 * connection, present and future (a one-way partition, or a client that reads nothing);
 * `refuse` makes new connections fail.
 */
export class TcpProxy {
  refuse = false;
  port = 0;
  private readonly held = { up: false, down: false };
  private readonly pairs = new Set<[client: net.Socket, upstream: net.Socket]>();
  private readonly server: net.Server;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.refuse) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, "127.0.0.1");
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      for (const s of pair) {
        s.on("error", () => {});
        s.on("close", () => {
          this.pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
      this.pipe(pair);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Holds client → server ("up") or server → client ("down") bytes; `false` lets them pass again. */
  hold(direction: "up" | "down", held: boolean): void {
    this.held[direction] = held;
    for (const pair of this.pairs) this.pipe(pair);
  }

  /** Drops every connection abruptly. */
  cut(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pipe([client, upstream]: [net.Socket, net.Socket]): void {
    client.unpipe(upstream);
    upstream.unpipe(client);
    if (this.held.up) client.pause();
    else client.pipe(upstream);
    if (this.held.down) upstream.pause();
    else upstream.pipe(client);
  }
}
