import { describe, expect, it } from "vitest";
import { KnownDatabases, MAX_DATABASES, readIdentifier, splitStatements } from "./influx-query.js";

describe("InfluxQL for /query", () => {
  it("splits statements at ; outside quotes", () => {
    expect(splitStatements('CREATE DATABASE "a;b"; SHOW DATABASES;')).toEqual([
      'CREATE DATABASE "a;b"',
      "SHOW DATABASES",
    ]);
    expect(splitStatements("  ")).toEqual([]);
  });

  it("reads quoted identifiers with Telegraf's escapes, and bare ones", () => {
    expect(readIdentifier('"tele\\"graf\\\\x\\n" WITH DURATION 1d')).toEqual({
      name: 'tele"graf\\x\n',
      rest: "WITH DURATION 1d",
    });
    expect(readIdentifier("telegraf")).toEqual({ name: "telegraf", rest: "" });
    expect(readIdentifier('"open')).toBeUndefined();
    expect(readIdentifier("1abc")).toBeUndefined();
  });

  it("remembers at most MAX_DATABASES names", () => {
    const dbs = new KnownDatabases();
    for (let i = 0; i < MAX_DATABASES; i++) expect(dbs.saw(`db${i}`)).toBe(true);
    expect(dbs.saw("one-more")).toBe(false);
    expect(dbs.saw("db0")).toBe(true);
    expect(dbs.list()).toHaveLength(MAX_DATABASES);
    expect(new KnownDatabases().saw("")).toBe(false);
  });
});
