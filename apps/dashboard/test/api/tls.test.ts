import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startApp, type TestApp } from "./helpers.js";

let dir: string;
let t: TestApp;
let ca: Buffer;

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, made with the machine's openssl.
  dir = mkdtempSync(join(tmpdir(), "dashwire-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  ca = readFileSync(join(dir, "cert.pem"));
  t = await startApp({ tlsCert: join(dir, "cert.pem"), tlsKey: join(dir, "key.pem") });
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS (--tls-cert, --tls-key)", () => {
  it("serves the API over HTTPS and the socket over WSS", async () => {
    expect(t.app.url).toMatch(/^https:\/\//);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${t.app.url}/healthz`, { ca }, (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
    expect(JSON.parse(body)).toMatchObject({ status: "ok" });
    const ws = new WebSocket(`${t.app.url.replace("https", "wss")}/dashwire`, { ca });
    const connected = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once("open", () => ws.send(JSON.stringify({ t: "connect", v: 1 })));
      ws.once("message", (data) => resolve(JSON.parse(data.toString())));
      ws.once("error", reject);
    });
    ws.close();
    expect(connected.t).toBe("connected");
  });
});
