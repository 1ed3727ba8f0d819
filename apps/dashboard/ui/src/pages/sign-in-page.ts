import { ApiError, getAuth } from "../api.js";
import { storeKey } from "../auth/credentials.js";
import { h, replaceChildren } from "../dom.js";

/**
 * The sign-in page: takes an API key (or token), checks it with `GET /api/v1/auth`, keeps it for
 * the session and reloads into the app. A refused key stays on the page with the server's reason.
 */
export function mountSignIn(root: HTMLElement, reason: string, onSignedIn: () => void, onCancel?: () => void): void {
  const input = h("input", {
    class: "input input--lg",
    type: "password",
    name: "key",
    autocomplete: "current-password",
    required: true,
    placeholder: "API key",
    "aria-label": "API key",
    "data-testid": "signin-key",
  });
  const error = h("p", { class: "form-error", role: "alert", hidden: true, "data-testid": "signin-error" });
  const submit = h("button", { class: "btn btn--primary", type: "submit", "data-testid": "signin-submit" }, "Sign in");
  const form = h(
    "form",
    { class: "signin", "data-testid": "signin" },
    h("h2", null, "Sign in"),
    h("p", { class: "signin__why", "data-testid": "signin-reason" }, reason),
    error,
    h("label", { class: "field" }, h("span", { class: "field__label" }, "API key"), input),
    h(
      "div",
      { class: "signin__actions" },
      submit,
      onCancel ? h("button", { class: "btn btn--ghost", type: "button", onclick: onCancel }, "Cancel") : null,
    ),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (key === "") return;
    submit.disabled = true;
    getAuth(key).then(
      () => {
        storeKey(key);
        onSignedIn();
      },
      (err: unknown) => {
        submit.disabled = false;
        error.hidden = false;
        error.textContent =
          err instanceof ApiError && (err.status === 401 || err.status === 403)
            ? `This key was refused: ${err.message}`
            : `Could not check the key: ${(err as Error).message}`;
        input.select();
      },
    );
  });
  replaceChildren(root, form);
  input.focus();
}
