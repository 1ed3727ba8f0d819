/**
 * Doc-tests, part 1: the fenced code blocks of a Markdown page and the `<!-- doctest: … -->`
 * directive written on the line right above a block (invisible once rendered, like rustdoc's
 * hidden lines). See docs/doc-tests.md for the directive grammar.
 */

/** How a block is tested. */
export type DocMode =
  /** Executed (the default for `ts`, `sh`, `bash`). */
  | "run"
  /**
   * A server: a `ts` block runs in the background for the blocks after it in the same page; each
   * command of a `sh` block must start, serve `/healthz`, and exit 0 on SIGTERM.
   */
  | "server"
  /** Only checked: `ts` type-checked, `sh` parsed by `bash -n`, `json` parsed. */
  | "check"
  /** Not tested: shown to explain, with the reason after `—`. */
  | "illustrative";

/** What the directive above a block says. */
export interface DocDirective {
  mode: DocMode;
  /** Why a block is illustrative (required for that mode). */
  reason?: string;
  /** `key=value` options (e.g. `port=3000`, `post=/api/v1/metrics`, `status=200`). */
  options: Record<string, string>;
  /** Hidden code run before the block: the directive's lines after the first (rustdoc's `# ` lines). */
  prelude: string;
}

/** One fenced block of a page. */
export interface DocBlock {
  /** Page path, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** First word of the info string, lower case (`ts`, `sh`, `json`, "" for none). */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
  /** The directive above it, if any. */
  directive: DocDirective | undefined;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE_START = /^\s*<!--\s*doctest:\s*(.*?)\s*(-->)?\s*$/;
const MODES = new Set<string>(["run", "server", "check", "illustrative"]);

/** Parses the text of a directive (what follows `doctest:`). Throws on a malformed one. */
export function parseDirective(text: string, prelude = ""): DocDirective {
  const dash = text.search(/\s[—-]{1,2}\s/);
  const head = (dash < 0 ? text : text.slice(0, dash)).trim();
  const reason =
    dash < 0
      ? undefined
      : text
          .slice(dash)
          .replace(/^\s[—-]{1,2}\s/, "")
          .trim();
  const words = head.split(/\s+/).filter((w) => w !== "");
  const mode = words.shift() ?? "";
  if (!MODES.has(mode)) throw new Error(`doctest directive: unknown mode "${mode}" (run, server, check, illustrative)`);
  const options: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new Error(`doctest directive: "${word}" is not key=value`);
    options[word.slice(0, eq)] = word.slice(eq + 1);
  }
  if (mode === "illustrative" && (reason === undefined || reason === ""))
    throw new Error("doctest directive: an illustrative block says why (`illustrative — reason`)");
  const directive: DocDirective = { mode: mode as DocMode, options, prelude };
  if (reason !== undefined) directive.reason = reason;
  return directive;
}

/** Every fenced block of a page, in order. */
export function markdownBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string);
    if (open === null) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] as string;
      if (l.trimStart().startsWith(fence) && l.trim().replace(/[`~]/g, "") === "") break;
      body.push(indent.length > 0 && l.startsWith(indent) ? l.slice(indent.length) : l);
    }
    let directive: DocDirective | undefined;
    try {
      directive = directiveAbove(lines, i);
    } catch (err) {
      throw new Error(`${file}:${i}: ${(err as Error).message}`);
    }
    blocks.push({ file, line: i + 1, lang: info.toLowerCase(), code: body.join("\n"), directive });
    i = j;
  }
  return blocks;
}

/**
 * The directive ending on the line above line `fence` (0-based): one line
 * `<!-- doctest: mode … -->`, or a first line `<!-- doctest: mode …` followed by prelude code
 * lines and a line `-->`.
 */
function directiveAbove(lines: string[], fence: number): DocDirective | undefined {
  const last = fence - 1;
  if (last < 0) return undefined;
  const single = DIRECTIVE_START.exec(lines[last] as string);
  if (single !== null && single[2] !== undefined) return parseDirective(single[1] as string);
  if ((lines[last] as string).trim() !== "-->") return undefined;
  for (let k = last - 1; k >= 0 && k >= last - 40; k--) {
    const start = DIRECTIVE_START.exec(lines[k] as string);
    if (start === null) continue;
    if (start[2] !== undefined) return undefined;
    return parseDirective(start[1] as string, lines.slice(k + 1, last).join("\n"));
  }
  return undefined;
}

/** Languages whose blocks are code a reader can run; every other block is text (output, config). */
export const RUNNABLE_LANGS = new Set(["ts", "typescript", "tsx", "sh", "bash", "shell", "json"]);

/** The mode a block is tested in: its directive's, or its language's default. */
export function modeOf(block: DocBlock): DocMode | "text" {
  if (block.directive !== undefined) return block.directive.mode;
  if (!RUNNABLE_LANGS.has(block.lang)) return "text";
  // JSON is data, and a React component needs a page to render in: both are checked.
  return block.lang === "json" || block.lang === "tsx" ? "check" : "run";
}

/**
 * Whether `actual` output matches what a page shows after a command (`# {"accepted":1}`):
 * `...` in the shown text stands for anything, white space for any white space (or none);
 * everything else must be there as written.
 */
export function outputMatches(shown: string, actual: string): boolean {
  const literal = (part: string) =>
    part
      .split(/\s+/)
      .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("\\s*");
  const pattern = shown.trim().split("...").map(literal).join("[\\s\\S]*");
  return new RegExp(`^${pattern}$`).test(actual.trim());
}

/**
 * The JSON values written one after another in `text` (a wire exchange, one message a line).
 * Objects and arrays are split where their brackets close; anything else is one value.
 * Throws on bad JSON.
 */
export function jsonValues(text: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return [JSON.parse(trimmed)];
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (depth === 0 && c !== "{" && c !== "[" && !/\s/.test(c as string))
      throw new SyntaxError(`unexpected ${JSON.stringify(c)} between JSON values`);
    else if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (depth++ === 0) start = i;
    } else if ((c === "}" || c === "]") && --depth === 0) values.push(JSON.parse(trimmed.slice(start, i + 1)));
  }
  if (depth !== 0 || inString) throw new SyntaxError("unterminated JSON value");
  return values;
}
