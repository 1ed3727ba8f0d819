/** Formats an integer with thousands separators. */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Formats milliseconds compactly: 0.8 ms, 12 ms, 3.4 s. */
export function ms(n: number): string {
  if (n >= 1000) return `${(n / 1000).toFixed(1)} s`;
  if (n >= 10) return `${Math.round(n)} ms`;
  return `${n.toFixed(1)} ms`;
}

/** Formats a percentage with a sensible number of decimals (100 %, 99.97 %, 7.7 %). */
export function pct(n: number): string {
  if (n >= 100) return "100 %";
  if (n >= 99) return `${n.toFixed(2)} %`;
  return `${n.toFixed(1)} %`;
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
