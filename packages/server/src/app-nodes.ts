import { ALL_NODES, type NodeChannel } from "./node-channel.js";

/** Prefix of the application's kinds on the node channel (none of the server's own starts with it). */
const APP_KIND = "app:";

/** Handles one kind of the application's node messages. */
export type AppNodeHandler = (body: unknown, from: string) => void;

/**
 * The application's messages between the nodes of a cluster (the servers on one broker), on the
 * server's node channel: never stored, at most once, to every other node or to one. For state
 * that each node keeps and the others should know of (the dashboard shares the series its
 * clients watch). A node that starts later missed what was sent before: `onJoin` tells each node
 * that comes up, so the others can send it what they hold.
 */
export class AppNodes {
  constructor(private readonly channel: NodeChannel) {}

  /** This node's id. */
  get nodeId(): string {
    return this.channel.nodeId;
  }

  /** Sends `body` to the `kind` handlers of every other node; resolves once the broker took it. */
  send(kind: string, body: unknown): Promise<void> {
    return this.channel.send(ALL_NODES, APP_KIND + kind, body);
  }

  /** Sends `body` to the `kind` handler of node `node`. */
  sendTo(node: string, kind: string, body: unknown): Promise<void> {
    return this.channel.send(node, APP_KIND + kind, body);
  }

  /** Registers the handler of `kind` (one per kind); what this node sent itself is not handed to it. */
  on(kind: string, handler: AppNodeHandler): void {
    this.channel.on(APP_KIND + kind, (body, ctx) => {
      if (ctx.from !== this.channel.nodeId) handler(body, ctx.from);
    });
  }

  /** Calls `listener` with each node heard from for the first time (or again after it went away). */
  onJoin(listener: (node: string) => void): void {
    this.channel.onJoin(listener);
  }

  /** The other live nodes. */
  peers(): string[] {
    return [...this.channel.peers()];
  }
}
