import type { Publication } from "@dashwire/server";

/**
 * Decodes one stored or delivered publication. The Lua publish script builds it once and the
 * same string goes to the stream, the latest hash and the channel:
 * `<offset> <time> <urgent 0|1> <epoch> <JSON key or nothing>\n<data>`. Data comes last and
 * raw, so the JSON payload is never escaped a second time.
 */
export function decodeEntry(topic: string, entry: string): Publication | undefined {
  const nl = entry.indexOf("\n");
  if (nl < 0) return undefined;
  const s1 = entry.indexOf(" ");
  const s2 = entry.indexOf(" ", s1 + 1);
  const s3 = entry.indexOf(" ", s2 + 1);
  const s4 = entry.indexOf(" ", s3 + 1);
  if (s1 < 0 || s2 < 0 || s3 < 0 || s4 < 0 || s4 > nl) return undefined;
  const pub: Publication = {
    topic,
    epoch: entry.slice(s3 + 1, s4),
    offset: Number(entry.slice(0, s1)),
    data: entry.slice(nl + 1),
    time: Number(entry.slice(s1 + 1, s2)),
  };
  if (entry.charCodeAt(s2 + 1) === 49 /* "1" */) pub.urgent = true;
  if (s4 + 1 < nl) pub.key = JSON.parse(entry.slice(s4 + 1, nl)) as string;
  return pub;
}
