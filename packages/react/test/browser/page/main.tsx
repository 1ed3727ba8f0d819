/**
 * The page the Chromium test drives: every hook of @dashwire/react under React StrictMode (a
 * development build, so effects really run twice), typed by the test schema.
 */
import { createDashwireHooks, DashwireProvider } from "@dashwire/react";
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import type { TestSchema } from "./schema.js";

const dw = createDashwireHooks<TestSchema>();
window.__probe = { latestRenders: 0, effectRuns: 0 };

function Connection() {
  const c = dw.useConnectionState();
  return (
    <p data-testid="conn" data-state={c.state} data-code={c.code} data-transport={c.transport ?? ""}>
      {c.state} {c.transport}
    </p>
  );
}

function Latest() {
  const prices = dw.useTopic("prices", { mode: "latest", maxRate: 5 });
  window.__probe.latestRenders++;
  return (
    <p data-testid="latest" data-value={prices.data?.n ?? ""}>
      price {prices.data?.n}
    </p>
  );
}

function Stream() {
  const log = dw.useTopic("log", { limit: 50 });
  useEffect(() => {
    window.__probe.effectRuns++;
  }, []);
  return (
    <ol data-testid="stream" data-status={log.status} data-recovered={String(log.recovered)} data-resets={log.resets}>
      {log.items.map((item) => (
        <li key={item.seq} data-break={item.afterBreak}>
          {item.data}
        </li>
      ))}
    </ol>
  );
}

function Presence() {
  const room = dw.usePresence("room");
  return (
    <p data-testid="presence" data-count={room.count}>
      online {room.count}
    </p>
  );
}

function Emit() {
  const emit = dw.useEmit();
  const [reply, setReply] = useState<number | string>("");
  return (
    <p>
      <button
        type="button"
        data-testid="emit"
        onClick={() => emit("add", { a: 2, b: 3 }).then(setReply, (e: Error) => setReply(e.message))}
      >
        add
      </button>
      <span data-testid="reply">{reply}</span>
    </p>
  );
}

function Publish() {
  const publish = dw.usePublish();
  const [offset, setOffset] = useState("");
  return (
    <p>
      <button
        type="button"
        data-testid="publish"
        onClick={() => publish("log", "from a page").then((p) => setOffset(String(p.offset)))}
      >
        publish
      </button>
      <span data-testid="published">{offset}</span>
    </p>
  );
}

function Notice() {
  const [text, setText] = useState("");
  dw.useEvent("notice", (d) => setText(d.text));
  return <p data-testid="notice">{text}</p>;
}

function App() {
  const [showStream, setShowStream] = useState(true);
  return (
    <>
      <Connection />
      <Latest />
      <button type="button" data-testid="toggle-stream" onClick={() => setShowStream((s) => !s)}>
        toggle stream
      </button>
      {showStream && <Stream />}
      <Presence />
      <Emit />
      <Publish />
      <Notice />
    </>
  );
}

const url = `${location.origin.replace(/^http/, "ws")}/dashwire`;

/** The provider can be unmounted: its client must close with it. */
function Root() {
  const [live, setLive] = useState(true);
  return (
    <>
      <button type="button" data-testid="toggle-provider" onClick={() => setLive((l) => !l)}>
        toggle provider
      </button>
      {live && (
        <DashwireProvider url={url} options={{ reconnect: { minDelayMs: 100, maxDelayMs: 500, factor: 2 } }}>
          <App />
        </DashwireProvider>
      )}
    </>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
