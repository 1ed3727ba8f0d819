/**
 * Doc-tests, part 2: a `sh` block turned into one bash script that runs its commands in order
 * (a command is a line, its `\\` continuations and its here-document)
 * and keeps the output of each command a page shows an answer for, so that the answer is
 * checked. A shown answer is a comment right under a command that starts like output:
 *
 *     curl -s localhost:8080/api/v1/metrics -d '…'
 *     # {"accepted":1}
 */

/** One command of a block and the answer shown under it, if any. */
export interface ShellCommand {
  /** The command, continuation lines included. */
  text: string;
  /** 1-based line in the block where it starts. */
  line: number;
  /** The answer the page shows (without `# `), when there is one. */
  shown?: string;
}

/** A comment that shows output rather than explaining: JSON, a quoted string or a number. */
const SHOWN_OUTPUT = /^#\s?([[{"0-9].*)$/;
/** A here-document on a command line: `<<EOF`, `<<'EOF'`, `<<-EOF`. */
const HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/;

/** Splits a block into commands (lines joined by a trailing `\`), with their shown answers. */
export function shellCommands(code: string): ShellCommand[] {
  const lines = code.split("\n");
  const commands: ShellCommand[] = [];
  let current: ShellCommand | undefined;
  let continued = false;
  let heredoc: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    if (heredoc !== undefined && current !== undefined) {
      current.text += `\n${line}`;
      if (trimmed === heredoc) heredoc = undefined;
      continue;
    }
    if (continued && current !== undefined) {
      current.text += `\n${line}`;
      continued = trimmed.endsWith("\\");
      heredoc = HEREDOC.exec(line)?.[2];
      continue;
    }
    if (trimmed === "") {
      current = undefined;
      continue;
    }
    if (trimmed.startsWith("#")) {
      const shown = SHOWN_OUTPUT.exec(trimmed);
      if (current !== undefined && shown !== null) {
        current.shown = current.shown === undefined ? shown[1] : `${current.shown}\n${shown[1]}`;
        continue;
      }
      current = undefined;
      continue;
    }
    current = { text: line, line: i + 1 };
    commands.push(current);
    continued = trimmed.endsWith("\\");
    heredoc = HEREDOC.exec(line)?.[2];
  }
  return commands;
}

/**
 * The bash script of a block: strict mode, then each command; a command with a shown answer has
 * its standard output captured in `<outDir>/<n>.out` (and echoed to the log).
 */
export function shellScript(commands: ShellCommand[], outDir: string): string {
  const parts = ["set -euo pipefail"];
  commands.forEach((c, n) => {
    if (c.shown === undefined) parts.push(c.text);
    else parts.push(`{\n${c.text}\n} > ${outDir}/${n}.out; cat ${outDir}/${n}.out; echo`);
  });
  return `${parts.join("\n")}\n`;
}
