// Shared pieces: the card frame, the lamp switch, and short-lived notices.
import { h } from "./dom";
import { icon, type IconName } from "./icons";

export function card(
  name: IconName,
  title: string,
  options: { id?: string; class?: string; actions?: Node | null; subtitle?: Node | string } = {},
  ...body: Node[]
): HTMLElement {
  return h(
    "section.card",
    { id: options.id, class: options.class, "aria-label": title },
    h(
      "div.card-head",
      null,
      h("span.card-icon", null, icon(name)),
      h("div.card-titles", null, h("h2.card-title", { text: title }), options.subtitle ? h("div.card-sub", null, options.subtitle) : null),
      options.actions ?? null,
    ),
    ...body,
  );
}

export function empty(text: string, hint = ""): HTMLElement {
  return h("div.empty", null, h("div.empty-text", { text }), hint ? h("div.empty-hint", { text: hint }) : null);
}

// A switch (role=switch) whose checked state is set from outside; clicking calls `on_toggle` with
// the state the user asked for and shows it as pending until the device reports back.
export function toggle(label: string, on_toggle: (want: boolean) => Promise<unknown>): {
  el: HTMLButtonElement;
  set: (on: boolean | undefined) => void;
} {
  let state: boolean | undefined;
  const el = h("button.switch", { type: "button", role: "switch", "aria-label": label, "aria-checked": "false" },
    h("span.switch-knob"));
  const set = (on: boolean | undefined) => {
    state = on;
    el.setAttribute("aria-checked", on ? "true" : "false");
    el.dataset.known = on === undefined ? "no" : "yes";
    delete el.dataset.pending;
  };
  el.addEventListener("click", () => {
    const want = !state;
    el.dataset.pending = "yes";
    el.setAttribute("aria-checked", want ? "true" : "false");
    on_toggle(want).catch(() => set(state));
  });
  return { el, set };
}

let toasts: HTMLElement | null = null;

export function notice(text: string, tone: "info" | "error" = "info"): void {
  if (!toasts) {
    toasts = h("div.toasts", { "aria-live": "polite" });
    document.body.appendChild(toasts);
  }
  const el = h("div.toast", { "data-tone": tone }, text);
  toasts.appendChild(el);
  setTimeout(() => el.classList.add("toast-out"), 3500);
  setTimeout(() => el.remove(), 4000);
}
