import type { ClientTransport, TransportEnv, TransportHandlers, TransportName } from "./transport.js";
import { transportFactories } from "./transport-registry.js";

/**
 * A transport and whoever listens to it now. A transport opened by a background upgrade changes
 * hands to the connection without reopening; callbacks from a transport nobody holds any more
 * are told apart by comparing links.
 */
export class Link {
  /** True once any frame arrived: whatever the failure later, this transport is not blocked. */
  heard = false;
  private target: TransportHandlers | undefined = undefined;
  /** What the transport reports to (bound once): forwards to the current listener. */
  readonly handlers: TransportHandlers = {
    onOpen: () => this.target?.onOpen(),
    onFrame: (frame) => {
      this.heard = true;
      this.target?.onFrame(frame);
    },
    onDrain: () => this.target?.onDrain(),
    onClose: (code, reason) => this.target?.onClose(code, reason),
  };

  constructor(
    /** The transport. */
    readonly transport: ClientTransport,
  ) {}

  /** Hands the transport's callbacks to a new listener. */
  rebind(target: TransportHandlers): void {
    this.target = target;
  }
}

/** Creates transport `name` (not yet opened) with `listen(link)` as its listener; throws when the platform lacks it. */
export function openLink(name: TransportName, env: TransportEnv, listen: (link: Link) => TransportHandlers): Link {
  const link = new Link(transportFactories[name](env));
  link.rebind(listen(link));
  return link;
}
