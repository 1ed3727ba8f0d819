import type { ClientEvents } from "./client-events.js";
import { type Emitter, reportError } from "./emitter.js";

/** A handler of one server event. */
export type ServerEventHandler = (data: never, ns: string | undefined) => void;

/** The handlers of server events (`client.onEvent`), by event name. */
export class EventHandlers {
  private readonly handlers = new Map<string, Set<ServerEventHandler>>();

  constructor(private readonly events: Emitter<ClientEvents>) {}

  /** Adds a handler of `event`; returns a function that removes it. */
  add(event: string, handler: ServerEventHandler): () => void {
    let set = this.handlers.get(event);
    if (set === undefined) this.handlers.set(event, (set = new Set()));
    const handlers = set;
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.handlers.get(event) === handlers) this.handlers.delete(event);
    };
  }

  /** A server event: the client's `event` listeners, then the handlers of that event. */
  dispatch(event: string, data: unknown, ns: string | undefined): void {
    this.events.emit("event", event, data, ns);
    const handlers = this.handlers.get(event);
    if (handlers === undefined) return;
    for (const handler of handlers) {
      try {
        handler(data as never, ns);
      } catch (error) {
        reportError(error);
      }
    }
  }
}
