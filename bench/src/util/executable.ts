import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Folders searched after PATH: Debian puts daemons in sbin, which a user's PATH may lack. */
const EXTRA_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Full path of an executable found on PATH (or in the usual system folders); undefined if none. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
