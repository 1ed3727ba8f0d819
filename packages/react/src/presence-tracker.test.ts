import { describe, expect, it } from "vitest";
import { PRESENCE_CLIENTS_LIMIT, PresenceTracker } from "./presence-tracker.js";

const who = (client: string) => ({ client });

describe("PresenceTracker", () => {
  it("applies join and leave after the list, idempotently", () => {
    const t = new PresenceTracker();
    expect(t.event("join", who("x"))).toBe(false); // no list yet
    const ticket = t.fetchStarted();
    expect(t.listed(ticket, { count: 2, clients: [who("a"), who("b")] })).toBe(true);
    expect(t.state).toMatchObject({ count: 2, ready: true });
    expect(t.event("join", who("c"))).toBe(true);
    expect(t.event("join", who("c"))).toBe(false);
    expect(t.event("leave", who("a"))).toBe(true);
    expect(t.event("leave", who("a"))).toBe(false);
    expect(t.state.count).toBe(2);
    expect(t.state.clients.map((c) => c.client)).toEqual(["b", "c"]);
  });

  it("replays events that came while a fetch was in flight, in order, over its answer", () => {
    const t = new PresenceTracker();
    const ticket = t.fetchStarted();
    t.event("join", who("c"));
    t.event("leave", who("a"));
    t.event("join", who("d"));
    t.event("leave", who("d"));
    // The answer may already reflect some of them (a left, c joined): replaying changes nothing there.
    t.listed(ticket, { count: 2, clients: [who("b"), who("c")] });
    expect(t.state.count).toBe(2);
    expect(t.state.clients.map((c) => c.client)).toEqual(["b", "c"]);
  });

  it("ignores the answer of a superseded fetch", () => {
    const t = new PresenceTracker();
    const old = t.fetchStarted();
    const fresh = t.fetchStarted();
    expect(t.listed(old, { count: 9, clients: [] })).toBe(false);
    expect(t.failed(old, new Error("late"))).toBe(false);
    expect(t.listed(fresh, { count: 1, clients: [who("a")] })).toBe(true);
    expect(t.state.count).toBe(1);
    // A later fetch starts after a settled one and still counts.
    const again = t.fetchStarted();
    expect(t.failed(again, new Error("presence disabled"))).toBe(true);
    expect(t.state.error?.message).toBe("presence disabled");
  });

  it("counts clients beyond the list cap without keeping them", () => {
    const t = new PresenceTracker();
    const clients = Array.from({ length: PRESENCE_CLIENTS_LIMIT }, (_, i) => who(`c${i}`));
    t.listed(t.fetchStarted(), { count: PRESENCE_CLIENTS_LIMIT + 5, clients });
    t.event("join", who("late"));
    expect(t.state.count).toBe(PRESENCE_CLIENTS_LIMIT + 6);
    expect(t.state.clients.length).toBe(PRESENCE_CLIENTS_LIMIT);
    t.event("leave", who("unlisted"));
    expect(t.state.count).toBe(PRESENCE_CLIENTS_LIMIT + 5);
  });
});
