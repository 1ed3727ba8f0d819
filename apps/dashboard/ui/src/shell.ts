import { h, replaceChildren, s } from "./dom.js";
import type { Connection, ConnectionStatus } from "./live/connection.js";
import { setTheme, themeChoice, type ThemeChoice } from "./theme.js";

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting",
  disconnected: "disconnected",
};

const THEME_NEXT: Record<ThemeChoice, ThemeChoice> = { auto: "light", light: "dark", dark: "auto" };

/** The dashwire mark: a wire carrying a pulse. */
function logo(): SVGSVGElement {
  return s(
    "svg",
    { class: "brand__mark", viewBox: "0 0 24 24", "aria-hidden": "true" },
    s("path", {
      d: "M2 13h5l2.5-6 4 11 2.5-5H22",
      fill: "none",
      stroke: "currentColor",
      "stroke-width": 2.2,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
    }),
  );
}

/** The frame of every page: top bar (brand, breadcrumbs, who is online, connection) and main area. */
export class Shell {
  readonly main: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly badgeText: HTMLElement;
  private readonly transport: HTMLElement;
  private readonly online: HTMLElement;
  private readonly onlineText: HTMLElement;
  private readonly themeBtn: HTMLButtonElement;
  private readonly account: HTMLElement;
  private conn: Connection | null = null;

  constructor(root: HTMLElement) {
    this.crumbs = h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" });
    this.badgeText = h("span", { class: "badge__text" }, "connecting");
    this.transport = h("span", { class: "badge__transport", "data-testid": "conn-transport" });
    this.badge = h(
      "div",
      {
        class: "badge",
        "data-testid": "conn-state",
        "data-state": "connecting",
        role: "status",
        "aria-live": "polite",
      },
      h("i", { class: "badge__dot" }),
      this.badgeText,
      this.transport,
    );
    this.onlineText = h("span", { "data-testid": "online-count" }, "0");
    this.online = h(
      "div",
      { class: "online-pill", hidden: true, title: "Viewing this dashboard now" },
      s(
        "svg",
        { viewBox: "0 0 24 24", "aria-hidden": "true" },
        s("path", {
          d: "M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7M21 19v-1a4 4 0 0 0-3-3.9M15.5 3.6a3.5 3.5 0 0 1 0 6.8",
          fill: "none",
          stroke: "currentColor",
          "stroke-width": 1.8,
          "stroke-linecap": "round",
        }),
      ),
      this.onlineText,
      h("span", { class: "online-pill__label" }, "online"),
    );
    this.themeBtn = h("button", { class: "icon-btn", type: "button", onclick: () => this.cycleTheme() });
    this.updateThemeButton();
    this.account = h("div", { class: "account" });
    this.main = h("main", { class: "main", id: "main" });
    replaceChildren(
      root,
      h(
        "header",
        { class: "topbar" },
        h("a", { class: "brand", href: "#/" }, logo(), h("span", null, "dashwire")),
        this.crumbs,
        h(
          "div",
          { class: "topbar__right" },
          h("a", { class: "btn btn--ghost btn--sm", href: "#/alerts", "data-testid": "nav-alerts" }, "Alerts"),
          this.online,
          this.badge,
          this.account,
          this.themeBtn,
        ),
      ),
      this.main,
    );
  }

  /** Shows the connection's status and transport from now on. */
  bindConnection(conn: Connection): void {
    this.conn = conn;
    conn.onStatus((st) => this.showStatus(st));
    this.showStatus(conn.status);
  }

  /**
   * Shows "Sign out" while a key is in use, "Sign in" when the server has keys and none is in
   * use (to edit, or to read what needs a key), nothing on an open server.
   */
  setAccount(state: "signed-in" | "anonymous" | "open", signIn: () => void, signOut: () => void): void {
    replaceChildren(
      this.account,
      state === "signed-in"
        ? h(
            "button",
            { class: "btn btn--ghost btn--sm", type: "button", "data-testid": "signout", onclick: signOut },
            "Sign out",
          )
        : state === "anonymous"
          ? h(
              "button",
              { class: "btn btn--ghost btn--sm", type: "button", "data-testid": "signin-link", onclick: signIn },
              "Sign in",
            )
          : null,
    );
  }

  /** Sets the breadcrumb trail after the brand: [label, href?] pairs. */
  setCrumbs(items: [string, string?][]): void {
    replaceChildren(
      this.crumbs,
      items.map(([label, href], i) => [
        h("span", { class: "crumbs__sep", "aria-hidden": "true" }, "/"),
        href && i < items.length - 1 ? h("a", { href }, label) : h("span", { class: "crumbs__here" }, label),
      ]),
    );
  }

  /** Shows how many are online on the current dashboard (null hides the pill). */
  setOnline(n: number | null): void {
    this.online.hidden = n === null;
    this.onlineText.textContent = String(n ?? 0);
  }

  private showStatus(st: ConnectionStatus): void {
    this.badge.dataset.state = st;
    this.badgeText.textContent = STATUS_TEXT[st];
    const t = st === "connected" ? (this.conn?.transport ?? "") : "";
    this.transport.textContent = t;
    this.transport.hidden = !t;
    this.badge.title = st === "connected" ? `Connected over ${t}` : `Live connection: ${st}`;
  }

  private cycleTheme(): void {
    setTheme(THEME_NEXT[themeChoice()]);
    this.updateThemeButton();
  }

  private updateThemeButton(): void {
    const c = themeChoice();
    const label = c === "auto" ? "Theme: system" : `Theme: ${c}`;
    this.themeBtn.title = label;
    this.themeBtn.setAttribute("aria-label", label);
    replaceChildren(
      this.themeBtn,
      s(
        "svg",
        { viewBox: "0 0 24 24", "aria-hidden": "true" },
        c === "dark"
          ? s("path", { d: "M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z", fill: "currentColor" })
          : c === "light"
            ? [
                s("circle", { cx: 12, cy: 12, r: 4.5, fill: "currentColor" }),
                s("path", {
                  d: "M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8",
                  stroke: "currentColor",
                  "stroke-width": 1.8,
                  "stroke-linecap": "round",
                }),
              ]
            : [
                s("circle", { cx: 12, cy: 12, r: 8.5, fill: "none", stroke: "currentColor", "stroke-width": 1.8 }),
                s("path", { d: "M12 3.5a8.5 8.5 0 0 1 0 17z", fill: "currentColor" }),
              ],
      ),
    );
  }
}
