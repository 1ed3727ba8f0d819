/**
 * `GET|POST /query`: the two InfluxQL statements agents send before writing. Telegraf's
 * `outputs.influxdb` POSTs `q=CREATE DATABASE "telegraf"` (form-encoded) at start and whenever a
 * write says "database not found"; tools list databases with `SHOW DATABASES`. dashwire keeps
 * one set of series, so a database is only a name: remembered (up to `MAX_DATABASES`, in this
 * process) so `SHOW DATABASES` lists what was created or written to. Any other statement gets
 * InfluxDB's per-statement error, with a pointer to `/api/v1/query`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiKeys } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { readBody } from "../http/read-body.js";
import type { Router } from "../http/router.js";
import { agentKey } from "./agent-auth.js";

/** Most database names remembered. */
export const MAX_DATABASES = 100;
/** Longest database name, UTF-8 bytes. */
const MAX_NAME_BYTES = 256;
/** Largest `/query` body (a form with one `q`). */
const MAX_QUERY_BODY = 64 * 1024;
/** Most statements in one `q`. */
const MAX_STATEMENTS = 20;

/** Database names seen in `CREATE DATABASE` and in writes, oldest first, bounded. */
export class KnownDatabases {
  private readonly names = new Set<string>();

  /** Remembers `name`; false when the list is full (the name is then not listed). */
  saw(name: string): boolean {
    if (this.names.has(name)) return true;
    if (this.names.size >= MAX_DATABASES || name === "" || Buffer.byteLength(name) > MAX_NAME_BYTES) return false;
    this.names.add(name);
    return true;
  }

  /** The names, sorted. */
  list(): string[] {
    return [...this.names].sort();
  }
}

/** One statement's entry in `results`. */
type StatementResult = { statement_id: number; error?: string; series?: unknown[] };

/** Splits `q` into statements at `;` outside double-quoted identifiers and single-quoted strings. */
export function splitStatements(q: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = "";
  for (let i = 0; i < q.length; i++) {
    const c = q[i] as string;
    if (quote !== "") {
      cur += c;
      if (c === "\\" && i + 1 < q.length) cur += q[++i];
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === ";") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

/** Reads an InfluxQL identifier at the start of `s`: `"quoted \" \\ \n"` or bare; with the rest. */
export function readIdentifier(s: string): { name: string; rest: string } | undefined {
  if (s.startsWith('"')) {
    let name = "";
    for (let i = 1; i < s.length; i++) {
      const c = s[i] as string;
      if (c === "\\" && i + 1 < s.length) {
        const n = s[++i] as string;
        name += n === "n" ? "\n" : n;
      } else if (c === '"') return { name, rest: s.slice(i + 1).trim() };
      else name += c;
    }
    return undefined;
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s);
  return m === null ? undefined : { name: m[0], rest: s.slice(m[0].length).trim() };
}

/** Runs one statement. */
function runStatement(
  stmt: string,
  id: number,
  method: string,
  databases: KnownDatabases,
  allowed: (scope: "read" | "write") => boolean,
): StatementResult {
  const create = /^CREATE\s+DATABASE\s+/i.exec(stmt);
  if (create !== null) {
    if (method !== "POST") return { statement_id: id, error: "CREATE DATABASE requires POST" };
    if (!allowed("write")) return { statement_id: id, error: "authorization failed: this key lacks the write scope" };
    const ident = readIdentifier(stmt.slice(create[0].length));
    // "WITH DURATION … REPLICATION … NAME …" may follow; a database here has no retention of its own.
    if (ident === undefined || (ident.rest !== "" && !/^WITH\s/i.test(ident.rest)))
      return { statement_id: id, error: `error parsing query: ${stmt.slice(0, 80)}` };
    if (ident.name === "" || Buffer.byteLength(ident.name) > MAX_NAME_BYTES)
      return { statement_id: id, error: `database name must be 1-${MAX_NAME_BYTES} bytes` };
    if (!databases.saw(ident.name))
      return {
        statement_id: id,
        error: `at most ${MAX_DATABASES} databases are listed; writes to any name still work`,
      };
    return { statement_id: id };
  }
  if (/^SHOW\s+DATABASES$/i.test(stmt)) {
    if (!allowed("read")) return { statement_id: id, error: "authorization failed: this key lacks the read scope" };
    const values = databases.list().map((n) => [n]);
    return { statement_id: id, series: [{ name: "databases", columns: ["name"], values }] };
  }
  return {
    statement_id: id,
    error: "dashwire answers only CREATE DATABASE and SHOW DATABASES here; read series with GET /api/v1/query",
  };
}

/** Registers `GET|POST /query`; `reply` sends a JSON body with InfluxDB's headers. */
export function influxQueryRoutes(
  router: Router,
  keys: ApiKeys,
  databases: KnownDatabases,
  reply: (res: ServerResponse, status: number, body: object) => void,
): void {
  const handler = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => {
    try {
      let q = query.get("q");
      if (req.method === "POST") {
        const body = await readBody(req, MAX_QUERY_BODY);
        const form = new URLSearchParams(body.toString("utf8"));
        q = form.get("q") ?? q;
      }
      if (q === null || q.trim() === "")
        throw new ApiError(400, ApiErrorCode.InvalidField, 'missing required parameter "q"');
      const statements = splitStatements(q);
      if (statements.length > MAX_STATEMENTS)
        throw new ApiError(400, ApiErrorCode.InvalidField, `at most ${MAX_STATEMENTS} statements per query`);
      const key = agentKey(req, query);
      // With keys configured, an unknown or missing key is refused outright, as InfluxDB does.
      if (keys.enabled && keys.scopesOf(key) === undefined) keys.require(key, "write");
      const allowed = (scope: "read" | "write") => {
        try {
          keys.require(key, scope);
          return true;
        } catch {
          return false;
        }
      };
      const results = statements.map((s, i) => runStatement(s, i, req.method ?? "GET", databases, allowed));
      reply(res, 200, { results });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      reply(res, err.status, { error: err.message });
    }
  };
  router.add("GET", "/query", (req, res, { query }) => handler(req, res, query));
  router.add("POST", "/query", (req, res, { query }) => handler(req, res, query));
}
