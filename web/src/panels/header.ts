// The top bar: the product mark, and whether the dashboard is connected to the hub.
import { h } from "../dom";
import { icon } from "../icons";
import type { Store } from "../store";

const LABELS = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Reconnecting…",
  denied: "Access denied",
} as const;

export function header(store: Store): HTMLElement {
  const pill = h("span.conn", { role: "status", "aria-live": "polite", "data-testid": "connection" });
  const update = () => {
    pill.dataset.state = store.connection;
    pill.title = store.connection_detail;
    pill.replaceChildren(h("span.conn-dot"), LABELS[store.connection]);
  };
  store.on("connection", update);
  update();
  return h(
    "header.topbar",
    null,
    h(
      "div.brand",
      null,
      h("span.brand-mark", null, icon("logo")),
      h("div", null, h("div.brand-name", { text: "soket" }), h("div.brand-sub", { text: "Village IoT dashboard" })),
    ),
    pill,
  );
}
