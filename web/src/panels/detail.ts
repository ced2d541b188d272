// One device up close: each reading as a big number with a live chart over 5 min / 1 h / 24 h, a
// lamp's switch or a greenhouse's fan and pump switches, a free-text command, and the device's
// stored commands with what became of them.
import { SensorChart } from "../chart";
import { clear, h } from "../dom";
import { ago, clock, format_value, is_switch_key, label_of, unit_of } from "../format";
import { icon } from "../icons";
import type { Hub } from "../hub";
import { DEFAULT_GREENHOUSE_COMMANDS, greenhouse_commands, is_lamp, type Store } from "../store";
import type { Command, Device, Telemetry } from "../types";
import { card, empty, notice, toggle } from "../ui";
import { kind_icon } from "./devices";

const RANGES = [
  { label: "5 min", ms: 5 * 60 * 1000 },
  { label: "1 h", ms: 3600 * 1000 },
  { label: "24 h", ms: 24 * 3600 * 1000 },
];

const PALETTE = ["#3b6fe0", "#d6456f", "#5b8c3a", "#b0592e", "#4a5a78"];
const KEY_COLORS: Record<string, string> = {
  temp: "#d9822b",
  temperature: "#d9822b",
  hum: "#2f9bd6",
  humidity: "#2f9bd6",
  light: "#c9a227",
  lamp: "#8a5cd6",
  fan: "#0f9d8a",
};

const STATE_TEXT: Record<string, string> = { queued: "Queued", sent: "Sent", acked: "Delivered", failed: "Failed" };

const FIRST = ["temp", "temperature", "hum", "humidity", "light"];

// Climate first, then other readings, on/off states last.
function by_importance(a: string, b: string): number {
  const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : is_switch_key(k) ? 100 : 50);
  return rank(a) - rank(b) || a.localeCompare(b);
}

interface Sensor {
  el: HTMLElement;
  value: HTMLElement;
  chart: SensorChart;
}

export function detail(store: Store, hub: Hub, selection: { get: () => string; on: (fn: () => void) => void }): HTMLElement {
  let range = RANGES[0];
  let sensors = new Map<string, Sensor>();
  let current = "";
  let loading: Telemetry[] | null = null; // live readings that arrive while history loads
  let generation = 0;
  let shown = false; // whether the selected device existed when the panel was built

  const title = h("div.detail-title");
  const meta = h("div.detail-meta");
  const status = h("span.status-chip");
  const grid = h("div.sensor-grid");
  const commands = h("ul.command-list", { "aria-label": "Commands" });
  const picker = h("div.segmented", { role: "tablist", "aria-label": "Time range" });
  // A switch for one on/off reading (lamp, fan, pump): shows what the device reports, sends
  // `command(want)` when clicked.
  const switch_row = (label: string, key: string, command: (want: boolean) => string) => {
    const sw = toggle(label, (want) => send(current, command(want)));
    sw.el.dataset.testid = `${key}-switch`;
    const text = h("span.switch-label", { text: label });
    const row = h("div.switch-row", { "data-switch": key }, sw.el, text);
    const update = (d: Device) => {
      const value = d.latest[key];
      sw.set(value === undefined ? undefined : Boolean(value));
      text.textContent = value === undefined ? label : value ? `${label} on` : `${label} off`;
    };
    return { row, update };
  };
  // Lamps get a lamp switch; greenhouses a fan and a pump switch that send what their rule sends.
  const gh = () => greenhouse_commands(store, current) ?? DEFAULT_GREENHOUSE_COMMANDS;
  const lamp = switch_row("Lamp", "lamp", (want) => (want ? "lamp-on" : "lamp-off"));
  const fan = switch_row("Fan", "fan", (want) => (want ? gh().fan_on : gh().fan_off));
  const pump = switch_row("Pump", "pump", (want) => (want ? gh().pump_on : gh().pump_off));
  const switches = [lamp, fan, pump];
  const target = h("select.select", { "aria-label": "Send to" });
  const text = h("input.input", {
    type: "text",
    placeholder: "Command, e.g. led-on",
    maxlength: "200",
    "aria-label": "Command",
    "data-testid": "command-text",
  });
  const form = h(
    "form.command-form",
    null,
    h("span.input-icon", null, icon("terminal")),
    text,
    target,
    h("button.btn.btn-primary", { type: "submit" }, icon("send"), "Send"),
  );

  const send = (to: string, command: string) =>
    hub.command(to, command).catch((err: Error) => {
      notice(`Could not send "${command}": ${err.message}`, "error");
      throw err;
    });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const command = text.value.trim();
    if (!command || !current) return;
    send(target.value || current, command).then(() => (text.value = ""), () => undefined);
  });

  for (const r of RANGES) {
    const b = h("button.seg", { type: "button", role: "tab", "aria-selected": String(r === range), text: r.label });
    b.addEventListener("click", () => {
      range = r;
      for (const other of picker.children) other.setAttribute("aria-selected", String(other === b));
      rebuild();
    });
    picker.appendChild(b);
  }

  // The CSV export of the range shown: a signed link from the hub (works with an API token set).
  const csv = h("button.btn.btn-ghost.btn-sm", { type: "button", "data-testid": "csv-export", title: "Download the readings of this range as CSV" }, icon("download"), h("span", { text: "CSV" }));
  csv.addEventListener("click", () => {
    const id = current;
    if (!id) return;
    const now = Date.now();
    hub
      .csv_link(id, now - range.ms, now)
      .then((url) => {
        const a = h("a", { href: url, download: `${id}-readings.csv` });
        document.body.appendChild(a);
        a.click();
        a.remove();
      })
      .catch((err: Error) => notice(`CSV export failed: ${err.message}`, "error"));
  });

  const add_sensor = (key: string): Sensor => {
    const value = h("span.sensor-value");
    const holder = h("div.sensor-chart");
    const color = KEY_COLORS[key] ?? PALETTE[sensors.size % PALETTE.length];
    const el = h(
      "div.sensor",
      { "data-sensor": key },
      h("div.sensor-head", null, h("span.sensor-label", { text: label_of(key) }), h("span.sensor-key", { text: key })),
      h("div.sensor-reading", null, value, h("span.sensor-unit", { text: unit_of(key) })),
      holder,
    );
    el.style.setProperty("--accent", color);
    grid.appendChild(el);
    const sensor = { el, value, chart: new SensorChart(holder, key, color, range.ms) };
    sensor.chart.set_hold(store.devices.get(current)?.latest[key]);
    sensors.set(key, sensor);
    return sensor;
  };

  const rebuild = () => {
    const id = selection.get();
    current = id;
    for (const s of sensors.values()) s.chart.destroy();
    sensors = new Map();
    clear(grid);
    const device = store.devices.get(id);
    shown = Boolean(device);
    if (!device) {
      grid.appendChild(empty("Select a device", "Pick one in the device list to see its readings."));
      update_head();
      render_commands();
      return;
    }
    const keys = Object.keys(device.latest).sort(by_importance);
    if (!keys.length) grid.appendChild(empty("No readings yet", "Readings appear here as they arrive."));
    for (const key of keys) add_sensor(key).value.textContent = format_value(device.latest[key], key);
    update_head();
    render_commands();
    load_commands(id);
    load_history(id);
  };

  const load_history = (id: string) => {
    const mine = ++generation;
    loading = [];
    const now = Date.now();
    const first = sensors.values().next().value as Sensor | undefined;
    const points = first ? first.chart.points() : 300;
    hub
      .history(id, now - range.ms, now, points)
      .then((reply) => {
        if (mine !== generation) return;
        const series = reply.series ?? {};
        for (const [key, sensor] of sensors) sensor.chart.set_history(series[key] ?? [], range.ms);
        for (const [key, buckets] of Object.entries(series)) {
          if (!sensors.has(key)) add_sensor(key).chart.set_history(buckets, range.ms);
        }
      })
      .catch((err: Error) => {
        if (mine === generation) notice(`History unavailable: ${err.message}`, "error");
      })
      .finally(() => {
        if (mine !== generation) return;
        const pending = loading ?? [];
        loading = null;
        for (const t of pending) apply(t);
      });
  };

  const apply = (t: Telemetry) => {
    for (const [key, value] of Object.entries(t.values)) {
      const s = sensors.get(key) ?? add_sensor(key);
      s.value.textContent = format_value(value, key);
      s.chart.set_hold(value);
      s.el.classList.remove("flash");
      void s.el.offsetWidth; // restart the highlight animation
      s.el.classList.add("flash");
      s.chart.push(t.ts, value);
    }
    if (grid.querySelector(".empty")) grid.querySelector(".empty")!.remove();
  };

  const update_head = () => {
    const d = store.devices.get(current);
    if (!d) {
      title.replaceChildren(h("span.detail-name", { text: "No device selected" }));
      meta.textContent = "";
      status.textContent = "";
      form.hidden = true;
      for (const sw of switches) sw.row.hidden = true;
      return;
    }
    // A UDP sender cannot receive commands (unless the hub sends them to its address).
    const can = d.commands !== false;
    const greenhouse = greenhouse_commands(store, d.id) !== undefined;
    form.hidden = !can;
    lamp.row.hidden = !can || greenhouse || !is_lamp(d);
    fan.row.hidden = pump.row.hidden = !can || !greenhouse;
    for (const sw of switches) sw.update(d);
    title.replaceChildren(h("span.detail-icon", null, icon(kind_icon(d))), h("span.detail-name", { text: d.name || d.id }), d.name ? h("span.detail-id", { text: d.id }) : "");
    status.textContent = d.online ? "Online" : "Offline";
    status.dataset.online = d.online ? "yes" : "no";
    const via = d.transport ? `${d.transport.toUpperCase()} ${d.address}` : d.address;
    meta.textContent = [d.kind || "device", d.group ? `group ${d.group}` : "", via, `last seen ${ago(d.last_seen)}`]
      .filter(Boolean)
      .join(" · ");
    const options = [
      [d.id, "this device"],
      ...(d.group ? [[`group:${d.group}`, `group ${d.group}`]] : []),
      ["*", "all devices"],
    ];
    const signature = options.map((o) => o[0]).join("|");
    if (target.dataset.signature !== signature) {
      target.dataset.signature = signature;
      target.replaceChildren(...options.map(([value, label]) => h("option", { value, text: `to ${label}` })));
    }
  };

  // The device's commands as the hub stored them, newest first: what it was sent, by whom, and
  // whether it arrived (queued, sent, delivered, failed), with the device's reply.
  const render_commands = () => {
    const mine = current ? store.commands_of(current) : [];
    commands.replaceChildren(
      ...(mine.length
        ? mine.map((c: Command) =>
            h(
              "li.command",
              { "data-command-id": String(c.id), "data-state": c.state },
              h("code.command-text", { text: c.command, title: c.command }),
              h("span.command-source", { text: c.source }),
              h("span.command-time", { text: clock(c.acked ?? c.sent ?? c.created), title: new Date(c.created).toLocaleString() }),
              h("span.state-chip", { "data-state": c.state, text: STATE_TEXT[c.state] ?? c.state }),
              c.reply ? h("span.command-reply", { text: c.reply }) : null,
            ),
          )
        : [h("li.command-none", { text: "No commands sent to this device yet." })]),
    );
  };

  const load_commands = (id: string) => {
    if (!id || store.connection !== "connected") return;
    hub.commands(id).catch((err: Error) => {
      if (id === current) notice(`Commands unavailable: ${err.message}`, "error");
    });
  };

  store.on("telemetry", (payload) => {
    const t = payload as Telemetry;
    if (t.device !== current) return;
    if (loading) loading.push(t);
    else apply(t);
  });
  store.on("devices", () => {
    if (selection.get() !== current || (!shown && store.devices.has(current))) rebuild();
    else update_head();
  });
  store.on("commands", (device) => {
    if (device === current) render_commands();
  });
  store.on("connection", () => {
    if (store.connection !== "connected" || !current) return;
    load_commands(current);
    load_history(current);
  });
  selection.on(rebuild);
  setInterval(() => {
    const now = Date.now();
    for (const s of sensors.values()) s.chart.tick(now);
  }, 1000);

  const body = h(
    "div.detail",
    null,
    h("div.detail-head", null, h("div", null, title, meta), status),
    h("div.controls", null, ...switches.map((sw) => sw.row), form),
    h("div.detail-toolbar", null, h("h3.section-title", { text: "Readings" }), h("div.toolbar-actions", null, picker, csv)),
    grid,
    h("h3.section-title", { text: "Commands" }),
    commands,
  );
  rebuild();
  return card("chart", "Device", { id: "detail", class: "span-8" }, body);
}
