/**
 * Where agents put their API key. dashwire keys go wherever each agent's own auth setting puts
 * a secret: InfluxDB v1 clients (Telegraf `outputs.influxdb`) send `?u=&p=` or HTTP Basic, the
 * key being the password; InfluxDB v2 clients send `Authorization: Token <key>`; Prometheus
 * `remote_write` sends Basic auth or `Authorization: Bearer <key>`; OpenTelemetry exporters send
 * whatever header they are configured with (`Authorization: Bearer <key>`).
 */
import type { IncomingMessage } from "node:http";
import { requestKey } from "../auth/api-keys.js";

/** Longest Basic credential decoded (keys are short; this bounds the work on hostile headers). */
const MAX_BASIC_BYTES = 4096;

/**
 * The key presented by an agent: `?p=` (InfluxDB v1), the Basic auth password (or the user name
 * when the password is empty), else what `requestKey` reads (Bearer, Token, `X-API-Key`).
 */
export function agentKey(req: IncomingMessage, query?: URLSearchParams): string | undefined {
  const p = query?.get("p");
  if (p !== null && p !== undefined && p !== "") return p;
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (m?.[1] !== undefined && m[1].length <= MAX_BASIC_BYTES) {
      const decoded = Buffer.from(m[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? "" : decoded.slice(colon + 1);
      const key = password !== "" ? password : user;
      return key === "" ? undefined : key;
    }
  }
  return requestKey(req);
}
