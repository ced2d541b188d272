// The village: street lamps grouped per alley (gang), each showing on/off and switchable, with the
// alley's light sensor against the rule's thresholds.
import { clear, h } from "../dom";
import { format_value } from "../format";
import { icon } from "../icons";
import type { Hub } from "../hub";
import { display_name, is_lamp, type Store } from "../store";
import type { Alley } from "../types";
import { card, empty, notice } from "../ui";

interface AlleyView extends Alley {
  configured: boolean;
}

// Configured alleys first, then lamps no alley claims, grouped by their device group.
function alleys_of(store: Store): AlleyView[] {
  const views: AlleyView[] = store.village.alleys.map((a) => ({ ...a, lamps: lamps_of_alley(store, a), configured: true }));
  const claimed = new Set(views.flatMap((a) => a.lamps));
  const loose = new Map<string, string[]>();
  for (const d of store.sorted_devices()) {
    if (!is_lamp(d) || claimed.has(d.id)) continue;
    const key = d.group || "";
    loose.set(key, [...(loose.get(key) ?? []), d.id]);
  }
  for (const [group, lamps] of [...loose].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))) {
    views.push({ name: group || "Other lamps", group, light_sensor: "", lamps, on_below: NaN, off_above: NaN, configured: false });
  }
  return views;
}

// A lamp's label: its whole name, with its id when another lamp (of any alley) has the same name
// (the course's sketches all say name=Lampu).
function lamp_label(store: Store, lamps: string[], id: string): string {
  const name = display_name(store.devices.get(id), id);
  const twins = lamps.filter((other) => display_name(store.devices.get(other), other) === name).length;
  return twins > 1 && name !== id ? `${name} · ${id}` : name;
}

// An alley's lamps: those it lists, plus devices of its group that report as lamps.
function lamps_of_alley(store: Store, alley: Alley): string[] {
  const ids = [...(alley.lamps ?? [])];
  if (alley.group) {
    for (const d of store.sorted_devices()) {
      if (d.group === alley.group && is_lamp(d) && !ids.includes(d.id)) ids.push(d.id);
    }
  }
  return ids;
}

export function village(store: Store, hub: Hub): HTMLElement {
  const body = h("div.alleys");
  let signature = "";
  let updaters: (() => void)[] = [];
  let every_lamp: string[] = []; // of all alleys: a name is ambiguous across alleys too

  const send = (to: string, command: string) =>
    hub.command(to, command).catch((err: Error) => {
      notice(`Could not send ${command}: ${err.message}`, "error");
      throw err;
    });

  const build = (views: AlleyView[]) => {
    clear(body);
    updaters = [];
    if (!views.length) {
      body.appendChild(empty("No street lamps yet", "Lamps appear here when they connect (HELLO <id> kind=lamp) or report lamp=0/1."));
      return;
    }
    for (const alley of views) body.appendChild(alley_view(alley));
  };

  const alley_view = (alley: AlleyView): HTMLElement => {
    const light = h("span.light-value");
    const mode = h("span.mode-chip");
    const count = h("span.alley-count");
    const lamps = h("div.lamps");
    for (const id of alley.lamps) {
      const state = h("span.lamp-state");
      const name = h("span.lamp-name");
      const button = h(
        "button.lamp",
        { type: "button", "data-lamp": id, "aria-pressed": "false" },
        h("span.lamp-bulb", null, icon("bulb")),
        h("span.lamp-text", null, name, state),
      );
      button.addEventListener("click", () => {
        const on = button.getAttribute("aria-pressed") === "true";
        button.dataset.pending = "yes";
        send(id, on ? "lamp-off" : "lamp-on").catch(() => delete button.dataset.pending);
      });
      lamps.appendChild(button);
      updaters.push(() => {
        const d = store.devices.get(id);
        const value = d?.latest.lamp;
        const was = button.getAttribute("aria-pressed");
        const now = value === 1 ? "true" : "false";
        if (was !== now) delete button.dataset.pending;
        button.setAttribute("aria-pressed", now);
        button.dataset.online = d?.online ? "yes" : "no";
        button.disabled = d?.commands === false;
        button.title = d?.commands === false ? `${id} (UDP: cannot receive commands)` : `${id}${d?.online ? "" : " (offline)"}`;
        name.textContent = lamp_label(store, every_lamp, id);
        state.textContent = !d ? "not seen" : value === undefined ? "unknown" : value === 1 ? "On" : "Off";
      });
    }
    // To the alley's lamps one by one: a group may hold its light sensor too, which is no lamp.
    const group_send = (command: string) => {
      for (const id of alley.lamps) send(id, command).catch(() => undefined);
    };
    const held = h("span.override-chip", { hidden: true });
    updaters.push(() => {
      const lit = alley.lamps.filter((id) => store.devices.get(id)?.latest.lamp === 1).length;
      count.textContent = `${lit} of ${alley.lamps.length} on`;
      const state = store.alley_state.get(alley.name);
      held.hidden = !state?.overridden;
      held.textContent = !state?.overridden
        ? ""
        : state.override_until
          ? `Off by hand until ${new Date(state.override_until).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} or the next crossing`
          : "Off by hand until the next crossing";
      const sensor = alley.light_sensor ? store.devices.get(alley.light_sensor) : undefined;
      const lux = sensor?.latest.light;
      light.textContent = lux === undefined ? "no reading" : `${format_value(lux, "light")} lx`;
      if (lux === undefined || !alley.configured) {
        mode.textContent = alley.configured ? "waiting" : "manual";
        mode.dataset.tone = "neutral";
      } else if (lux < alley.on_below) {
        mode.textContent = "Night";
        mode.dataset.tone = "night";
      } else if (lux > alley.off_above) {
        mode.textContent = "Day";
        mode.dataset.tone = "day";
      } else {
        mode.textContent = "Dusk";
        mode.dataset.tone = "dusk";
      }
    });
    const rule = alley.configured
      ? h(
          "div.alley-rule",
          null,
          h("span.rule-icon", null, icon("sun")),
          alley.light_sensor ? h("span", null, h("b", { text: alley.light_sensor }), " · ", light) : null,
          h("span.rule-text", {
            text: alley.schedule
              ? `on ${alley.schedule.on}, off ${alley.schedule.off}`
              : `on below ${alley.on_below} lx, off above ${alley.off_above} lx`,
          }),
        )
      : h("div.alley-rule", null, h("span.rule-text", { text: "No rule configured: switched by hand" }));
    return h(
      "div.alley",
      { "data-alley": alley.name },
      h(
        "div.alley-head",
        null,
        h("div", null, h("h3.alley-name", { text: alley.name }), count),
        h(
          "div.alley-actions",
          null,
          mode,
          held,
          h("button.btn.btn-ghost.btn-sm", { type: "button", onclick: () => group_send("lamp-on"), text: "All on" }),
          h("button.btn.btn-ghost.btn-sm", { type: "button", onclick: () => group_send("lamp-off"), text: "All off" }),
        ),
      ),
      rule,
      lamps,
    );
  };

  const refresh = () => {
    const views = alleys_of(store);
    every_lamp = [...new Set(views.flatMap((a) => a.lamps))];
    const next = JSON.stringify(views);
    if (next !== signature) {
      signature = next;
      build(views);
    }
    for (const u of updaters) u();
  };
  store.on("devices", refresh);
  store.on("village", refresh);
  refresh();
  // Every street lamp off, and only lamps: at night the hub holds the rule off for a while
  // ([rules] override_duration) or until the next dusk/dawn crossing.
  const all_off = h("button.btn.btn-ghost.btn-sm", {
    type: "button",
    "data-testid": "lamps-off",
    text: "All lamps off",
    onclick: () =>
      hub.lamps_off().then(
        (r) => notice(`${r.lamps} lamp${r.lamps === 1 ? "" : "s"} switched off`, "info"),
        (err: Error) => notice(`Could not switch the lamps off: ${err.message}`, "error"),
      ),
  });
  return card(
    "home",
    "Village street lamps",
    { id: "village", class: "span-8", subtitle: "Per alley (gang), switched by the light rule or by hand", actions: all_off },
    body,
  );
}
