/** Theme choices: follow the system, or force one. */
export type ThemeChoice = "auto" | "light" | "dark";

const KEY = "dashwire.theme";
/** Event fired on `window` when the effective theme changes (charts re-read their colours). */
export const THEME_EVENT = "dashwire:theme";

const media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;

/** The stored choice ("auto" when none). */
export function themeChoice(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === "light" || v === "dark" ? v : "auto";
}

/** The theme in effect. */
export function effectiveTheme(): "light" | "dark" {
  const c = themeChoice();
  if (c !== "auto") return c;
  return media?.matches ? "dark" : "light";
}

function apply(): void {
  document.documentElement.dataset.theme = effectiveTheme();
  window.dispatchEvent(new Event(THEME_EVENT));
}

/** Applies the stored theme and follows system changes while on "auto". */
export function initTheme(): void {
  document.documentElement.dataset.theme = effectiveTheme();
  media?.addEventListener("change", () => {
    if (themeChoice() === "auto") apply();
  });
}

/** Stores a choice and applies it. */
export function setTheme(choice: ThemeChoice): void {
  if (choice === "auto") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  apply();
}

/** Reads a CSS custom property of the root element. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Series colour `i` of the theme's palette. */
export function seriesColor(i: number): string {
  return cssVar(`--s${(i % 8) + 1}`) || "#4f8cff";
}

/** `color` (hex `#rrggbb`) with an alpha; other colour forms are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})`;
}
