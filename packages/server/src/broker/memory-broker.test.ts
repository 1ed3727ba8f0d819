import { brokerContract } from "../testing/broker-contract.js";
import { MemoryBroker } from "./memory-broker.js";

brokerContract("memory", { create: () => new MemoryBroker(), multiNode: false });
