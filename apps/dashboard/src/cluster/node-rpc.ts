/**
 * Requests from one dashboard node to another over the broker (a follower forwarding an ingest
 * or a dashboard change to the rollup leader), each node listening on `$rpc:<nodeId>`. Replies
 * carry the leader's answer or its `ApiError`, so a forwarded request answers exactly as the
 * leader would have.
 */
import { ApiError, ApiErrorCode } from "../errors.js";
import type { InternalBus } from "./internal-bus.js";

/** Options of `NodeRpc`. */
export interface NodeRpcOptions {
  /** A call without an answer after this long fails with 503, ms. */
  timeoutMs: number;
  /** Calls waiting for an answer; past it new calls fail at once with 503. */
  maxPending: number;
}

/** Defaults of `NodeRpcOptions`. */
export const nodeRpcDefaults: NodeRpcOptions = { timeoutMs: 5000, maxPending: 10_000 };

/** Prefix of the per-node request topics. */
export const RPC_TOPIC_PREFIX = "$rpc:";

/** A method served to other nodes; throw `ApiError` to answer with an error. */
export type RpcHandler = (body: unknown) => unknown;

type RpcMessage =
  | { k: "req"; id: number; from: string; m: string; b: unknown }
  | { k: "res"; id: number; v?: unknown; e?: { status: number; code: number; message: string } };

interface Waiting {
  node: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  at: number;
}

/** Request/reply between dashboard nodes. */
export class NodeRpc {
  readonly options: NodeRpcOptions;
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly waiting = new Map<number, Waiting>();
  private lastId = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: InternalBus,
    readonly nodeId: string,
    options: Partial<NodeRpcOptions> = {},
  ) {
    this.options = { ...nodeRpcDefaults, ...options };
  }

  /** Serves `method` to other nodes. */
  handle(method: string, handler: RpcHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  /** Listens on this node's topic. */
  async start(): Promise<void> {
    await this.bus.listen(RPC_TOPIC_PREFIX + this.nodeId, (m) => this.receive(m as RpcMessage));
    this.sweeper = setInterval(this.sweep, Math.min(1000, this.options.timeoutMs));
    this.sweeper.unref();
  }

  /** Calls `method` on node `node`; resolves with its answer, rejects with its `ApiError` or a 503. */
  call(node: string, method: string, body: unknown): Promise<unknown> {
    if (this.waiting.size >= this.options.maxPending)
      return Promise.reject(unavailable(`${this.options.maxPending} requests already waiting for node ${node}`));
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { node, resolve, reject, at: Date.now() });
      this.send(node, { k: "req", id, from: this.nodeId, m: method, b: body }).catch((err: unknown) => {
        if (this.waiting.delete(id)) reject(unavailable(`cannot reach node ${node}: ${(err as Error).message}`));
      });
    });
  }

  /** Calls `method` on `node` without waiting for (or getting) an answer. */
  notify(node: string, method: string, body: unknown): Promise<void> {
    return this.send(node, { k: "req", id: 0, from: this.nodeId, m: method, b: body });
  }

  /** Fails at once the calls waiting for `node` (it is gone: they would only time out). */
  abandon(node: string): void {
    for (const [id, w] of this.waiting)
      if (w.node === node) {
        this.waiting.delete(id);
        w.reject(unavailable(`node ${node} is no longer the leader`));
      }
  }

  /** Fails every waiting call and stops. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const w of this.waiting.values()) w.reject(unavailable("node shutting down"));
    this.waiting.clear();
    await this.bus.unlisten(RPC_TOPIC_PREFIX + this.nodeId).catch(() => {});
  }

  private send(node: string, message: RpcMessage): Promise<void> {
    return this.bus.send(RPC_TOPIC_PREFIX + node, message);
  }

  private receive(m: RpcMessage): void {
    if (typeof m !== "object" || m === null || typeof m.id !== "number") return;
    if (m.k === "res") {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.e === undefined) w.resolve(m.v);
      else w.reject(new ApiError(m.e.status, m.e.code, m.e.message));
      return;
    }
    if (m.k !== "req" || typeof m.m !== "string" || typeof m.from !== "string") return;
    const { id, from } = m;
    const handler = this.handlers.get(m.m);
    const answer = (reply: RpcMessage) => {
      if (id !== 0) this.send(from, reply).catch(() => {});
    };
    if (handler === undefined) {
      answer({ k: "res", id, e: { status: 501, code: ApiErrorCode.NotFound, message: `no node method ${m.m}` } });
      return;
    }
    Promise.resolve()
      .then(() => handler(m.b))
      .then(
        (v) => answer({ k: "res", id, v }),
        (err: unknown) => {
          const e =
            err instanceof ApiError
              ? { status: err.status, code: err.code, message: err.message }
              : { status: 500, code: ApiErrorCode.Internal, message: "internal error on the leader" };
          answer({ k: "res", id, e });
        },
      );
  }

  private readonly sweep = (): void => {
    const oldest = Date.now() - this.options.timeoutMs;
    for (const [id, w] of this.waiting) {
      if (w.at > oldest) break;
      this.waiting.delete(id);
      w.reject(unavailable(`no answer in ${this.options.timeoutMs} ms`));
    }
  };
}

/** The 503 a forwarded request fails with when the other node cannot answer. */
export function unavailable(why: string): ApiError {
  return new ApiError(503, ApiErrorCode.Unavailable, `rollup leader unavailable (${why}); retry`);
}
