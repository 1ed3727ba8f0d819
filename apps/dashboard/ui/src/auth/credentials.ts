/**
 * The API key the user signed in with, kept for the browser tab's session (sessionStorage: gone
 * when the tab closes, never sent by the browser on its own, so no cross-site request carries
 * it). The API's `Authorization` header and the socket's connect token both come from here.
 */

const STORAGE_KEY = "dashwire.apiKey";

/** The signed-in key, or null. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: no sign-in survives a reload
  }
}

/** Keeps `key` for this tab's session. */
export function storeKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage disabled: the key is lost at the next reload, and the sign-in shows again.
  }
}

/** Forgets the key (sign-out, or a key the server refused). */
export function clearKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}

type SignInListener = (reason: string) => void;
const listeners = new Set<SignInListener>();

/** Calls `cb` whenever the server refuses the credentials (HTTP 401, socket 4500); returns a remover. */
export function onSignInNeeded(cb: SignInListener): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** Reports that the server wants (other) credentials, with its reason. */
export function signInNeeded(reason: string): void {
  for (const cb of [...listeners]) cb(reason);
}
