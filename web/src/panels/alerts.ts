// Alerts raised by the rules (a greenhouse out of range, ...), newest first, live.
import { h } from "../dom";
import { ago, clock, format_value } from "../format";
import { icon } from "../icons";
import type { Store } from "../store";
import type { Alert } from "../types";
import { card, empty } from "../ui";

export function alerts(store: Store): HTMLElement {
  const list = h("ul.alert-list", { "aria-live": "polite" });
  const count = h("span.badge");
  let fresh: Alert | undefined;

  const refresh = () => {
    count.textContent = String(store.alert_total);
    count.title = store.alert_total > store.alerts.length ? `the latest ${store.alerts.length} are listed` : "";
    count.dataset.tone = store.alert_total ? "red" : "";
    if (!store.alerts.length) {
      list.replaceChildren(empty("No alerts", "Thresholds crossed by a reading show up here as they happen."));
      return;
    }
    list.replaceChildren(
      ...store.alerts.slice(0, 20).map((a) =>
        h(
          "li.alert",
          { "data-alert-id": String(a.id), class: a === fresh ? "alert-new" : "" },
          h("span.alert-icon", null, icon("alert")),
          h(
            "div.alert-body",
            null,
            h("div.alert-message", { text: a.message }),
            h(
              "div.alert-meta",
              null,
              [a.device, a.rule, a.value !== undefined && a.value !== null ? `value ${format_value(a.value)}` : ""]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
          h("time.alert-time", { title: new Date(a.ts).toLocaleString(), text: Date.now() - a.ts < 3600e3 ? ago(a.ts) : clock(a.ts) }),
        ),
      ),
    );
  };
  store.on("alerts", (payload) => {
    fresh = payload as Alert | undefined;
    refresh();
  });
  setInterval(refresh, 15000);
  refresh();
  return card("alert", "Alerts", { id: "alerts", class: "span-5", actions: count }, list);
}
