/** Characters kept as they are in a subject token; everything else is escaped as `~XX` (UTF-8 bytes). */
const PLAIN = /^[A-Za-z0-9_\-:/=,@+]+$/;
const PLAIN_CHAR = /[A-Za-z0-9_\-:/=,@+]/;

/**
 * Encodes any string (a topic or a key) as one NATS subject token: `.` would split it, `*` and
 * `>` are wildcards, whitespace is not allowed, so those (and `~`, the escape, and non-ASCII)
 * become `~XX`. Injective, so two topics never share a subject. The empty string is `~`.
 */
export function encodeToken(value: string): string {
  if (PLAIN.test(value)) return value;
  if (value === "") return "~";
  let out = "";
  for (const ch of value) {
    if (PLAIN_CHAR.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `~${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Inverse of `encodeToken`. */
export function decodeToken(token: string): string {
  if (token === "~") return "";
  if (!token.includes("~")) return token;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "~") {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}
