import type { PresenceInfo } from "@dashwire/protocol";
import type { PanelKindSpec } from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { BasePanel } from "./base-panel.js";
import type { PanelContext } from "./panel-context.js";

/** Most avatars drawn; the rest are summed up as "+N more". */
const MAX_SHOWN = 24;

/** A display name for a presence entry: the user, a name the server shared, or a short guest tag. */
export function displayName(who: PresenceInfo): string {
  const info = who.info as { name?: unknown } | undefined;
  if (info && typeof info.name === "string" && info.name) return info.name;
  if (who.user) return who.user;
  return `Guest ${who.client.slice(-4)}`;
}

/** Two letters for an avatar. */
function initials(name: string): string {
  const letters = name.replace(/^Guest /, "").replace(/[^\p{L}\p{N}]/gu, "");
  return letters.slice(0, 2).toUpperCase() || "?";
}

function hue(text: string): number {
  let x = 0;
  for (let i = 0; i < text.length; i++) x = (x * 31 + text.charCodeAt(i)) >>> 0;
  return x % 360;
}

/** Who is looking at this dashboard right now (presence on `dashboard:<id>`). */
export class OnlinePanel extends BasePanel {
  private readonly countEl: HTMLElement;
  private readonly listEl: HTMLElement;
  private readonly stopListening: () => void;

  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec) {
    super(def, ctx, kind, "latest");
    this.countEl = h("div", { class: "online__count", "data-testid": "online-panel-count" }, "0");
    this.listEl = h("ul", { class: "online__list" });
    this.body.append(
      h(
        "div",
        { class: "online" },
        h("div", { class: "online__big" }, this.countEl, h("span", null, "viewing now")),
        this.listEl,
      ),
    );
    this.stopListening = ctx.presence.onChange(() => ctx.scheduler.request(this));
  }

  override destroy(): void {
    super.destroy();
    this.stopListening();
  }

  protected render(): void {
    const people = this.ctx.presence.list();
    const total = this.ctx.presence.count;
    this.countEl.textContent = String(total);
    const items = people.slice(0, MAX_SHOWN).map((who) => {
      const name = displayName(who);
      return h(
        "li",
        { class: "online__who", title: who.client },
        h("span", { class: "avatar", style: `--h: ${hue(who.client)}` }, initials(name)),
        h("span", null, name),
      );
    });
    const shown = Math.min(people.length, MAX_SHOWN);
    if (total > shown) items.push(h("li", { class: "online__more" }, `+${total - shown} more`));
    replaceChildren(this.listEl, items);
  }
}
