/** Test helpers for broker and transport implementations (imports vitest; use only in tests). */
export { type BrokerContractOptions, brokerContract, Recorder, waitFor } from "./broker-contract.js";
export { canConnect, freePort } from "./ports.js";
export { publishThroughput } from "./publish-throughput.js";
