// Every device the hub knows: online or not, last seen, its latest readings. Clicking one opens it
// in the device panel. A device appears as soon as it sends its first reading. With more devices
// than the hub's snapshot holds, a search and "Show more" fetch the others.
import { h } from "../dom";
import { ago, format_value, label_of, unit_of } from "../format";
import { icon, type IconName } from "../icons";
import type { Hub } from "../hub";
import { device_matches, type Store } from "../store";
import type { Device } from "../types";
import { card, empty, notice } from "../ui";

const PAGE = 200; // devices per "Show more"
const SEARCH_DELAY_MS = 200;

const KIND_ICON: Record<string, IconName> = { lamp: "bulb", light: "sun", greenhouse: "leaf", sensor: "gauge" };

export function kind_icon(device: Device): IconName {
  return KIND_ICON[device.kind] ?? ("lamp" in device.latest ? "bulb" : "light" in device.latest ? "sun" : "chip");
}

export function devices(store: Store, hub: Hub, selection: { get: () => string; set: (id: string) => void }): HTMLElement {
  const list = h("ul.device-list", { role: "listbox", "aria-label": "Devices" });
  const count = h("span.badge", { "data-testid": "device-count" });
  // With many devices the hub sends a page of them: a search asks it for the rest, and "Show
  // more" for the next page.
  const search = h("input.input.device-search", {
    type: "search",
    placeholder: "Search devices (id, name, group, kind)",
    "aria-label": "Search devices",
    "data-testid": "device-search",
  });
  const more = h("button.btn.btn-ghost.btn-sm.device-more", { type: "button", "data-testid": "device-more", text: "Show more" });
  const nothing = h("li.device-none");
  let query = "";
  let asked = 0;
  search.addEventListener("input", () => {
    query = search.value.trim();
    refresh();
    const mine = ++asked;
    if (!query) return;
    setTimeout(() => {
      if (mine !== asked) return;
      hub.find_devices({ q: query, limit: 100 }).catch((err: Error) => notice(`Search failed: ${err.message}`, "error"));
    }, SEARCH_DELAY_MS);
  });
  more.addEventListener("click", () => {
    if (store.next_offset === null) return;
    more.disabled = true;
    hub
      .find_devices({ offset: store.next_offset, limit: PAGE })
      .then((reply) => {
        store.next_offset = reply.next_offset;
        refresh();
      })
      .catch((err: Error) => notice(`Could not load more devices: ${err.message}`, "error"))
      .finally(() => (more.disabled = false));
  });
  const rows = new Map<string, { el: HTMLLIElement; update: (d: Device) => void }>();
  const placeholder = empty("No devices yet", "Devices show up here with their first reading.");

  const row = (id: string) => {
    const dot = h("span.dot");
    const name = h("span.device-name");
    const meta = h("span.device-meta");
    const seen = h("span.device-seen");
    const chips = h("span.chips");
    const glyph = h("span.device-icon");
    let glyph_name = "";
    const el = h(
      "li.device-row",
      { role: "option", tabindex: "0", "data-device-row": id },
      glyph,
      h(
        "span.device-main",
        null,
        h("span.device-line", null, dot, name, chips),
        h("span.device-line.device-sub", null, meta, seen),
      ),
    );
    el.addEventListener("click", () => selection.set(id));
    el.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        selection.set(id);
      }
    });
    const update = (d: Device) => {
      const g = kind_icon(d);
      if (g !== glyph_name) {
        glyph_name = g;
        glyph.replaceChildren(icon(g));
      }
      dot.dataset.online = d.online ? "yes" : "no";
      name.textContent = d.name || d.id;
      const parts = [d.name ? d.id : "", d.kind, d.group ? `group ${d.group}` : "", d.transport.toUpperCase()];
      meta.textContent = parts.filter(Boolean).join(" · ") || "unnamed device";
      seen.textContent = d.online ? ago(d.last_seen) : `offline · ${ago(d.last_seen)}`;
      seen.dataset.ts = String(d.last_seen);
      const keys = Object.keys(d.latest).slice(0, 2);
      chips.replaceChildren(
        ...keys.map((k) =>
          h("span.chip", { "data-key": k, title: label_of(k) }, h("span.chip-key", { text: k }), `${format_value(d.latest[k], k)}${unit_of(k) ? " " + unit_of(k) : ""}`),
        ),
      );
      el.setAttribute("aria-selected", selection.get() === d.id ? "true" : "false");
    };
    return { el, update };
  };

  const refresh = () => {
    const sorted = store.sorted_devices().filter((d) => device_matches(d, query));
    count.textContent = String(store.device_total());
    more.hidden = Boolean(query) || store.next_offset === null;
    nothing.remove();
    if (!sorted.length) {
      rows.clear();
      if (query) {
        nothing.textContent = `No device matches "${query}".`;
        list.replaceChildren(nothing);
      } else list.replaceChildren(placeholder);
      return;
    }
    placeholder.remove();
    const seen = new Set<string>();
    let previous: Element | null = null;
    for (const d of sorted) {
      seen.add(d.id);
      let r = rows.get(d.id);
      if (!r) rows.set(d.id, (r = row(d.id)));
      r.update(d);
      // Keep DOM order = sorted order without rebuilding rows.
      const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expected !== r.el) list.insertBefore(r.el, expected);
      previous = r.el;
    }
    for (const [id, r] of rows) {
      if (!seen.has(id)) {
        r.el.remove();
        rows.delete(id);
      }
    }
  };
  store.on("devices", refresh);
  setInterval(refresh, 5000); // keeps "last seen" current
  refresh();
  return card("chip", "Devices", { id: "devices", class: "span-4", actions: count }, search, list, more);
}
