import { backoff } from "@dashwire/client";
import { mountAlerts } from "./alerts/alerts-page.js";
import { ApiError, type AuthInfo, getAuth, getConfig } from "./api.js";
import { clearKey, onSignInNeeded, storedKey } from "./auth/credentials.js";
import { h, replaceChildren } from "./dom.js";
import { FrameScheduler } from "./frame-scheduler.js";
import { Connection } from "./live/connection.js";
import { openLiveClient } from "./live/open-client.js";
import type { AppContext, Unmount } from "./pages/app-context.js";
import { mountEditor } from "./pages/edit-page.js";
import { mountList } from "./pages/list-page.js";
import { placeholder } from "./pages/page-state.js";
import { mountSignIn } from "./pages/sign-in-page.js";
import { mountView } from "./pages/view-page.js";
import { type Route, startRouter } from "./router.js";
import { Shell } from "./shell.js";
import { initTheme } from "./theme.js";

/** The socket URL for a path from `/api/v1/config`, relative to the page (ws: or wss:). */
export function socketUrl(wsPath: string, base: string = document.baseURI): string {
  const u = new URL(wsPath, base);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

/** Delays between tries to reach the server at start (the client SDK's backoff, full jitter). */
const UP_RETRY = { minDelayMs: 500, maxDelayMs: 10_000, factor: 2 };

/**
 * Calls `load` until the server answers, retrying with backoff while it is not up yet. A refusal
 * of the credentials (401/403) is not retried: it is rethrown for the sign-in.
 */
async function untilUp<T>(shell: Shell, load: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) throw err;
      const wait = backoff(attempt, UP_RETRY);
      replaceChildren(
        shell.main,
        placeholder(
          "Cannot reach the dashwire server",
          `${(err as Error).message} — retrying in ${Math.round(wait / 1000)} s`,
        ),
      );
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Forgets the key and starts over (the sign-in shows when the server needs one). */
function signOut(): void {
  clearKey();
  location.reload();
}

/** What the sign-in says when the server needs a key to show anything. */
const KEY_NEEDED = "This dashwire needs an API key to show its dashboards.";
/** What it says when the user asks to sign in (to edit, with a public-read server). */
const KEY_FOR_MORE = "Sign in with an API key: one with the admin scope can edit dashboards.";

/** The socket path when `/api/v1/config` is private (`--private-metrics`) and no key is in use. */
const DEFAULT_WS_PATH = "/dashwire";

async function boot(): Promise<void> {
  initTheme();
  const root = document.getElementById("app") ?? document.body.appendChild(h("div", { id: "app" }));
  const shell = new Shell(root);
  // Credentials first: with reads behind keys (or a refused key) nothing else would load. The
  // config is read at the same time (one round trip before the socket, not two).
  const sent = storedKey();
  const config = untilUp(shell, () =>
    getConfig().catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return { wsPath: DEFAULT_WS_PATH };
      throw err;
    }),
  );
  config.catch(() => {}); // awaited below, unless the sign-in shows first
  let auth: AuthInfo;
  try {
    auth = await untilUp(shell, () => getAuth(sent));
  } catch (err) {
    const hadKey = sent !== null;
    if (hadKey) clearKey();
    shell.setCrumbs([["Sign in"]]);
    mountSignIn(shell.main, hadKey ? `Your key was refused: ${(err as Error).message}` : KEY_NEEDED, reload);
    return;
  }
  const cfg = await config;
  const key = storedKey();
  const client = openLiveClient(socketUrl(cfg.wsPath || DEFAULT_WS_PATH), key ?? undefined);
  const conn = new Connection(client);
  shell.bindConnection(conn);
  const app: AppContext = { shell, conn, scheduler: new FrameScheduler() };
  let unmount: Unmount | null = null;
  let shown: Route | null = null;
  let stopRouter: (() => void) | null = null;
  /** Leaves the app for the sign-in page: the page, the router and the socket stop first. */
  const signIn = (reason: string, cancellable: boolean) => {
    if (stopRouter === null) return; // already there
    stopRouter();
    stopRouter = null;
    unmount?.();
    unmount = null;
    shown = null;
    client.close();
    shell.setAccount("open", reload, signOut);
    shell.setCrumbs([["Sign in"]]);
    mountSignIn(shell.main, reason, reload, cancellable ? reload : undefined);
  };
  shell.setAccount(
    key !== null ? "signed-in" : auth.keys ? "anonymous" : "open",
    () => signIn(KEY_FOR_MORE, true),
    signOut,
  );
  // A refused key (an API call's 401, the socket's 4500) is forgotten and sends the user to the sign-in.
  const refused = (reason: string) => {
    clearKey();
    signIn(`Sign in to go on: ${reason}`, false);
  };
  onSignInNeeded(refused);
  client.onAuthRefused(refused);
  const show = (r: Route) => {
    // The same dashboard with another range or variables (back, forward, an edited URL): no remount.
    if (r.page === "view" && shown?.page === "view" && shown.id === r.id && unmount?.update) {
      shown = r;
      unmount.update(r.query);
      return;
    }
    shown = r;
    unmount?.();
    unmount = null;
    window.scrollTo(0, 0);
    switch (r.page) {
      case "list":
        unmount = mountList(shell.main, app);
        break;
      case "view":
        unmount = mountView(shell.main, app, r.id, r.query);
        break;
      case "edit":
        unmount = mountEditor(shell.main, app, r.id);
        break;
      case "new":
        unmount = mountEditor(shell.main, app, null);
        break;
      case "alerts":
        unmount = mountAlerts(shell.main, app);
        break;
      default:
        shell.setCrumbs([["Not found"]]);
        replaceChildren(
          shell.main,
          placeholder("Page not found", r.hash, h("a", { class: "btn", href: "#/" }, "All dashboards")),
        );
    }
  };
  stopRouter = startRouter(show);
  window.addEventListener("pagehide", () => conn.client.close());
}

function reload(): void {
  location.reload();
}

void boot();
