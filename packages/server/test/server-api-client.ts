/** Calls the server HTTP API the way a backend would, for the server API tests. */
import { request } from "node:http";

/** A key long enough for `serverApi.keys` (at least 16 bytes). */
export const API_KEY = "test-api-key-0123456789";

/** An API answer: HTTP status, parsed body, headers. */
export interface ApiAnswer {
  status: number;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string } };
  headers: Record<string, string | string[] | undefined>;
}

/**
 * `POST {http}/api/{method}` with a JSON body and the test key (override with `headers`, where an
 * empty value drops the header). node:http, not fetch: fetch will not send a `Host` of our choosing.
 */
export function callApi(
  http: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  init: { method?: string; rawBody?: string; path?: string } = {},
): Promise<ApiAnswer> {
  const all: Record<string, string> = {
    authorization: `apikey ${API_KEY}`,
    "content-type": "application/json",
    ...headers,
  };
  for (const [k, v] of Object.entries(all)) if (v === "") delete all[k];
  const payload = init.method === "GET" ? undefined : (init.rawBody ?? JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(`${http}${init.path ?? "/api"}/${method}`, { method: init.method ?? "POST", headers: all });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: text === "" ? {} : JSON.parse(text), headers: res.headers }),
      );
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The `result` of a call that must succeed. */
export async function apiResult(http: string, method: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await callApi(http, method, body);
  if (answer.status !== 200 || answer.body.result === undefined)
    throw new Error(`${method} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result;
}
