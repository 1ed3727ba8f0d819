import { describe, expect, it } from "vitest";
import { ConfigError, loadStartOptions } from "./load-config.js";

describe("loadStartOptions", () => {
  it("takes TLS files from flags or the environment, and wants both or neither", () => {
    const o = loadStartOptions({ "tls-cert": "c.pem", "tls-key": "k.pem" }, {});
    expect([o.tlsCert, o.tlsKey]).toEqual(["c.pem", "k.pem"]);
    const e = loadStartOptions({}, { DASHWIRE_TLS_CERT: "c.pem", DASHWIRE_TLS_KEY: "k.pem" });
    expect([e.tlsCert, e.tlsKey]).toEqual(["c.pem", "k.pem"]);
    expect(() => loadStartOptions({ "tls-cert": "c.pem" }, {})).toThrow(ConfigError);
    expect(() => loadStartOptions({ "tls-key": "k.pem" }, {})).toThrow(/needs --tls-cert/);
    expect(loadStartOptions({}, {}).tlsCert).toBe("");
  });
});
