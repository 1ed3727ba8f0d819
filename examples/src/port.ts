/** Where an example listens: `--port N` or a bare number, else `PORT`, else its own default. */

/** The port asked for on the command line or in `PORT`; undefined for the example's default. */
export function portFrom(args: string[], env: NodeJS.ProcessEnv): number | undefined {
  const flag = args.indexOf("--port");
  const text = flag >= 0 ? args[flag + 1] : (args.find((a) => /^\d+$/.test(a)) ?? env.PORT);
  if (text === undefined || text === "") return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new RangeError(`port must be 0-65535, got ${text}`);
  return port;
}
