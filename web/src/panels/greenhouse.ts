// Greenhouses: temperature and humidity against the configured range, green inside, amber close to
// an edge, red outside; and switches for its fan and pump.
import { clear, h } from "../dom";
import { format_value } from "../format";
import { icon, type IconName } from "../icons";
import type { Hub } from "../hub";
import { DEFAULT_GREENHOUSE_COMMANDS, display_name, type Store } from "../store";
import type { Greenhouse, Range } from "../types";
import { card, empty, notice, toggle } from "../ui";

const NEAR_EDGE = 0.1; // within 10 % of the range's width from an edge: amber

export function level(value: number | undefined, range: Range | undefined): "ok" | "warn" | "bad" | "none" {
  if (value === undefined || !range || !Number.isFinite(range.min) || !Number.isFinite(range.max)) return "none";
  if (value < range.min || value > range.max) return "bad";
  const margin = (range.max - range.min) * NEAR_EDGE;
  if (value < range.min + margin || value > range.max - margin) return "warn";
  return "ok";
}

const LEVEL_TEXT = { ok: "OK", warn: "Near limit", bad: "Out of range", none: "" };

function greenhouses_of(store: Store): Greenhouse[] {
  const list = [...store.village.greenhouses];
  const claimed = new Set(list.map((g) => g.device));
  for (const d of store.sorted_devices()) {
    if (d.kind === "greenhouse" && !claimed.has(d.id)) {
      list.push({ name: d.name || d.id, device: d.id });
    }
  }
  return list;
}

function meter(name: IconName, label: string, unit: string, key: string, range: Range | undefined | null) {
  const value = h("span.meter-value");
  const status = h("span.meter-status");
  const marker = h("span.meter-marker");
  const band = h("span.meter-band");
  const limits = h("div.meter-limits");
  const has_range = !!range && Number.isFinite(range.min) && Number.isFinite(range.max);
  // The bar shows the range in the middle half, with room either side for readings outside it.
  const span = range && has_range ? range.max - range.min || 1 : 1;
  const lo = range && has_range ? range.min - span * 0.5 : 0;
  const hi = range && has_range ? range.max + span * 0.5 : 1;
  const pos = (v: number) => `${Math.max(0, Math.min(100, ((v - lo) / (hi - lo)) * 100))}%`;
  if (range && has_range) {
    band.style.left = pos(range.min);
    band.style.width = `calc(${pos(range.max)} - ${pos(range.min)})`;
    limits.textContent = `ideal ${range.min}–${range.max} ${unit}`;
  }
  const el = h(
    "div.meter",
    { "data-key": key },
    h("div.meter-head", null, h("span.meter-label", null, icon(name), label), status),
    h("div.meter-reading", null, value, h("span.meter-unit", { text: unit })),
    has_range ? h("div.meter-bar", null, band, marker) : null,
    has_range ? limits : null,
  );
  const update = (v: number | undefined) => {
    const lvl = level(v, has_range ? range : undefined);
    el.dataset.level = lvl;
    value.textContent = format_value(v, key);
    status.textContent = v === undefined ? "no reading" : lvl === "bad" ? (v > range!.max ? "Too high" : "Too low") : LEVEL_TEXT[lvl];
    if (v !== undefined) marker.style.left = pos(v);
    marker.hidden = v === undefined;
  };
  return { el, update };
}

export function greenhouse(store: Store, hub: Hub): HTMLElement {
  const body = h("div.greenhouses");
  let signature = "";
  let updaters: (() => void)[] = [];

  const build = (list: Greenhouse[]) => {
    clear(body);
    updaters = [];
    if (!list.length) {
      body.appendChild(empty("No greenhouse configured", "Add a [[village.greenhouses]] table (name, device, temp and hum ranges) to the config, or connect a device with kind=greenhouse."));
      return;
    }
    for (const g of list) {
      const temp = meter("thermo", "Temperature", "°C", "temp", g.temp);
      const hum = meter("drop", "Humidity", "%", "hum", g.hum);
      const dot = h("span.dot");
      // The fan and the pump, switched with the commands the greenhouse's rule sends.
      const commands = { ...DEFAULT_GREENHOUSE_COMMANDS, ...(g.commands ?? {}) };
      const send = (command: string) =>
        hub.command(g.device, command).catch((err: Error) => {
          notice(`Could not send ${command}: ${err.message}`, "error");
          throw err;
        });
      const fan = toggle("Fan", (want) => send(want ? commands.fan_on : commands.fan_off));
      const pump = toggle("Pump", (want) => send(want ? commands.pump_on : commands.pump_off));
      fan.el.dataset.switch = "fan";
      pump.el.dataset.switch = "pump";
      const fan_state = h("span.fan-state");
      const pump_state = h("span.fan-state");
      body.appendChild(
        h(
          "div.greenhouse",
          { "data-greenhouse": g.name },
          h("div.gh-head", null, dot, h("h3.gh-name", { text: g.name }), h("span.gh-device", { text: g.device })),
          h("div.meters", null, temp.el, hum.el),
          h(
            "div.gh-foot",
            null,
            h("span.fan", null, icon("fan"), "Fan ", fan_state),
            fan.el,
            h("span.spacer"),
            h("span.fan", null, icon("drop"), "Pump ", pump_state),
            pump.el,
          ),
        ),
      );
      updaters.push(() => {
        const d = store.devices.get(g.device);
        const latest = d?.latest ?? {};
        temp.update(latest.temp ?? latest.temperature);
        hum.update(latest.hum ?? latest.humidity);
        dot.dataset.online = d?.online ? "yes" : "no";
        dot.title = d?.online ? `${display_name(d, g.device)} online` : "offline";
        fan_state.textContent = latest.fan === undefined ? "—" : latest.fan ? "on" : "off";
        pump_state.textContent = latest.pump === undefined ? "—" : latest.pump ? "on" : "off";
        fan.set(latest.fan === undefined ? undefined : Boolean(latest.fan));
        pump.set(latest.pump === undefined ? undefined : Boolean(latest.pump));
        fan.el.disabled = pump.el.disabled = d?.commands === false;
      });
    }
  };

  const refresh = () => {
    const list = greenhouses_of(store);
    const next = JSON.stringify(list);
    if (next !== signature) {
      signature = next;
      build(list);
    }
    for (const u of updaters) u();
  };
  store.on("devices", refresh);
  store.on("village", refresh);
  refresh();
  return card("leaf", "Greenhouses", { id: "greenhouses", class: "span-4", subtitle: "Climate against its thresholds" }, body);
}
