import type { LoadPlan } from "../src/load/load-plan.js";

/** A tiny load for end-to-end tests: 20 users at 5 updates/s for 1 s (2,000 deliveries expected). */
export const tiny: Partial<LoadPlan> = {
  publishers: 20,
  subscribers: 20,
  ratePerPublisher: 5,
  warmupS: 0.3,
  durationS: 1,
  drainS: 2,
};
