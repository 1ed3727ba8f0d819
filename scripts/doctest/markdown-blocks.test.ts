import { describe, expect, it } from "vitest";
import { jsonValues, markdownBlocks, modeOf, outputMatches, parseDirective } from "./markdown-blocks.js";
import { shellCommands, shellScript } from "./shell-script.js";

const page = [
  "# Title",
  "```sh",
  "echo one",
  "```",
  "<!-- doctest: illustrative — needs a real Redis -->",
  "```ts",
  "connect(url);",
  "```",
  "<!-- doctest: check",
  "declare const client: { close(): void };",
  "-->",
  "```ts",
  "client.close();",
  "```",
  "```",
  "plain output",
  "```",
  "  ```json",
  '  {"a": 1}',
  "  ```",
].join("\n");

describe("markdownBlocks", () => {
  const blocks = markdownBlocks("p.md", page);

  it("finds every fenced block with its line, language and code", () => {
    expect(blocks.map((b) => [b.line, b.lang, b.code])).toEqual([
      [2, "sh", "echo one"],
      [6, "ts", "connect(url);"],
      [12, "ts", "client.close();"],
      [15, "", "plain output"],
      [18, "json", '{"a": 1}'],
    ]);
  });

  it("reads the directive right above a block, with a multi-line prelude", () => {
    expect(blocks[1]?.directive).toEqual({
      mode: "illustrative",
      reason: "needs a real Redis",
      options: {},
      prelude: "",
    });
    expect(blocks[2]?.directive).toEqual({
      mode: "check",
      options: {},
      prelude: "declare const client: { close(): void };",
    });
    expect(blocks[0]?.directive).toBeUndefined();
  });

  it("gives runnable languages a default mode and the rest none", () => {
    expect(blocks.map(modeOf)).toEqual(["run", "illustrative", "check", "text", "check"]);
  });

  it("refuses an illustrative block without a reason, and unknown modes or options", () => {
    expect(() => parseDirective("illustrative")).toThrow(/says why/);
    expect(() => parseDirective("sometimes")).toThrow(/unknown mode/);
    expect(() => parseDirective("run port")).toThrow(/key=value/);
    expect(parseDirective("server port=3000").options).toEqual({ port: "3000" });
  });
});

describe("outputMatches", () => {
  it("matches as written, with ... for anything and any white space", () => {
    expect(outputMatches('{"accepted":1}', '{"accepted":1}\n')).toBe(true);
    expect(outputMatches('{"accepted":1}', '{"accepted":2}')).toBe(false);
    expect(outputMatches('{"series":[{"id":"a",...}, ...]}', '{"series":[{"id":"a","x":1},{"id":"b"}]}')).toBe(true);
    expect(outputMatches('{"series":[{"id":"a",...}]}', '{"series":[{"id":"b","x":1}]}')).toBe(false);
  });
});

describe("jsonValues", () => {
  it("splits messages written one after another, strings with brackets included", () => {
    expect(jsonValues('{"t":"ping"}\n{"t":"x","s":"}{["}\n[1,2]')).toEqual([
      { t: "ping" },
      { t: "x", s: "}{[" },
      [1, 2],
    ]);
    expect(jsonValues("42")).toEqual([42]);
  });

  it("refuses what is not JSON", () => {
    expect(() => jsonValues('{"a":…}')).toThrow();
    expect(() => jsonValues('{"a":1} junk')).toThrow(/between JSON values/);
    expect(() => jsonValues('{"a":1')).toThrow(/unterminated/);
  });
});

describe("shellCommands", () => {
  const block = [
    "# a comment about the next command",
    "curl -s x \\",
    "  -d '{}'",
    '# {"accepted":1}',
    "",
    "echo hi   # trailing comment",
  ].join("\n");

  it("joins continued lines and takes the comment under a command as its shown answer", () => {
    expect(shellCommands(block)).toEqual([
      { text: "curl -s x \\\n  -d '{}'", line: 2, shown: '{"accepted":1}' },
      { text: "echo hi   # trailing comment", line: 6 },
    ]);
  });

  it("keeps a here-document with its command", () => {
    const heredoc = [
      "now=$(date +%s)",
      "curl -s x --data-binary @- <<'EOF'",
      '{"ts":1}',
      "",
      "EOF",
      '# {"accepted":1}',
    ];
    expect(shellCommands(heredoc.join("\n"))).toEqual([
      { text: "now=$(date +%s)", line: 1 },
      { text: "curl -s x --data-binary @- <<'EOF'\n{\"ts\":1}\n\nEOF", line: 2, shown: '{"accepted":1}' },
    ]);
  });

  it("captures only the commands whose answer is checked", () => {
    const script = shellScript(shellCommands(block), "/tmp/o");
    expect(script).toContain("{\ncurl -s x \\\n  -d '{}'\n} > /tmp/o/0.out");
    expect(script).toContain("\necho hi   # trailing comment\n");
    expect(script.startsWith("set -euo pipefail\n")).toBe(true);
  });
});
