/** What each engine's test gives the contract suites (`store-contract.ts` and the ones it runs). */
import type { Store } from "./store.js";

/** A fresh store on its own database (or schema), a second one on the same, and cleanup. */
export interface StoreFixture {
  store: Store;
  /** Another store on the same database (another worker or machine). */
  peer(): Promise<Store>;
  cleanup(): Promise<void>;
}
