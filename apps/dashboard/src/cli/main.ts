/** The `dashwire` command: dispatches to `start` and `send`. */
import { VERSION } from "../app.js";
import { MAIN_HELP } from "./help.js";
import { type CliIo, processIo } from "./io.js";
import { sendCommand } from "./send-command.js";
import { startCommand } from "./start-command.js";

/** Runs the CLI with `args` (argv without node and script); resolves with the exit code. */
export async function main(args: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "start":
      return startCommand(rest, io);
    case "send":
      return sendCommand(rest, io);
    case undefined:
    case "help":
    case "-h":
    case "--help":
      io.out(MAIN_HELP);
      return command === undefined ? 2 : 0;
    case "-v":
    case "--version":
    case "version":
      io.out(VERSION);
      return 0;
    default:
      io.err(`dashwire: unknown command ${command}\n\n${MAIN_HELP}`);
      return 2;
  }
}
