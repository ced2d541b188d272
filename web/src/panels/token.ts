// Without a valid dashboard token the hub refuses /dashboard: ask for the token instead of drawing
// an empty village. The token goes into the URL (?token=), as a bookmark keeps it.
import { h } from "../dom";
import type { Store } from "../store";

export function token_prompt(store: Store): HTMLElement {
  const field = h("input.input", {
    id: "token-field",
    type: "password",
    autocomplete: "current-password",
    placeholder: "dashboard token",
    "aria-label": "Dashboard token",
  }) as HTMLInputElement;
  const reason = h("p.token-reason");
  const form = h(
    "form.token-form",
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (!field.value) return;
        const url = new URL(window.location.href);
        url.searchParams.set("token", field.value);
        window.location.assign(url.toString());
      },
    },
    field,
    h("button.btn", { type: "submit", text: "Open the dashboard" }),
  );
  const dialog = h(
    "div.token-prompt",
    { "data-testid": "token-prompt", role: "dialog", "aria-modal": "true", hidden: true },
    h(
      "div.token-card",
      null,
      h("h2", { text: "This hub needs a dashboard token" }),
      reason,
      form,
      h("p.token-hint", { text: "It is [auth] dashboard_token in the hub's config; ask whoever runs the hub." }),
    ),
  );
  const update = () => {
    const denied = store.connection === "denied";
    dialog.hidden = !denied;
    if (!denied) return;
    const given = new URLSearchParams(window.location.search).has("token");
    reason.textContent = given ? "The token in this link was refused." : "No token was given.";
    field.focus();
  };
  store.on("connection", update);
  update();
  return dialog;
}
