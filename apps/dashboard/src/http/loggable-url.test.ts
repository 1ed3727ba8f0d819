import { describe, expect, it } from "vitest";
import { loggableUrl } from "./respond.js";

describe("loggableUrl", () => {
  it("hides credentials sent in the query (InfluxDB v1's ?p= is the API key)", () => {
    expect(loggableUrl("/write?db=telegraf&u=telegraf&p=s3cret-key")).toBe("/write?db=telegraf&u=telegraf&p=***");
    expect(loggableUrl("/dashwire?token=eyJhbGciOi&transport=sse")).toBe("/dashwire?token=***&transport=sse");
    expect(loggableUrl("/x?api_key=a&apikey=b&key=c")).toBe("/x?api_key=***&apikey=***&key=***");
    expect(loggableUrl("/write?db=x&p=a&p=b")).not.toMatch(/[&?]p=[ab]/);
  });

  it("leaves other URLs as they are", () => {
    expect(loggableUrl("/api/v1/query?series=cpu&from=1")).toBe("/api/v1/query?series=cpu&from=1");
    expect(loggableUrl("/api/v1/dashboards/demo")).toBe("/api/v1/dashboards/demo");
    expect(loggableUrl(undefined)).toBe("");
  });
});
