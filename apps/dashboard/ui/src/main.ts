import { getConfig } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { FrameScheduler } from "./frame-scheduler.js";
import { Connection } from "./live/connection.js";
import { openLiveClient } from "./live/open-client.js";
import type { AppContext, Unmount } from "./pages/app-context.js";
import { mountEditor } from "./pages/edit-page.js";
import { mountList } from "./pages/list-page.js";
import { placeholder } from "./pages/page-state.js";
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

/** Reads the config, retrying with backoff while the server is not up yet. */
async function loadConfig(shell: Shell): Promise<{ wsPath: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getConfig();
    } catch (err) {
      const wait = Math.min(10_000, 500 * 2 ** attempt);
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

async function boot(): Promise<void> {
  initTheme();
  const root = document.getElementById("app") ?? document.body.appendChild(h("div", { id: "app" }));
  const shell = new Shell(root);
  const cfg = await loadConfig(shell);
  const conn = new Connection(openLiveClient(socketUrl(cfg.wsPath || "/dashwire")));
  shell.bindConnection(conn);
  const app: AppContext = { shell, conn, scheduler: new FrameScheduler() };
  let unmount: Unmount | null = null;
  const show = (r: Route) => {
    unmount?.();
    unmount = null;
    window.scrollTo(0, 0);
    switch (r.page) {
      case "list":
        unmount = mountList(shell.main, app);
        break;
      case "view":
        unmount = mountView(shell.main, app, r.id);
        break;
      case "edit":
        unmount = mountEditor(shell.main, app, r.id);
        break;
      case "new":
        unmount = mountEditor(shell.main, app, null);
        break;
      default:
        shell.setCrumbs([["Not found"]]);
        replaceChildren(
          shell.main,
          placeholder("Page not found", r.hash, h("a", { class: "btn", href: "#/" }, "All dashboards")),
        );
    }
  };
  startRouter(show);
  window.addEventListener("pagehide", () => conn.client.close());
}

void boot();
