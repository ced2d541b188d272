// Four headline numbers: devices online, lamps lit, alerts today, last reading.
import { h } from "../dom";
import { ago } from "../format";
import { icon, type IconName } from "../icons";
import { is_lamp, type Store } from "../store";

function tile(name: IconName, label: string, tone: string) {
  const value = h("div.stat-value", { text: "—" });
  const note = h("div.stat-note", { text: "" });
  const el = h(
    "div.stat",
    { "data-tone": tone },
    h("span.stat-icon", null, icon(name)),
    h("div", null, h("div.stat-label", { text: label }), value, note),
  );
  return { el, value, note };
}

export function summary(store: Store): HTMLElement {
  const devices = tile("chip", "Devices online", "blue");
  const lamps = tile("bulb", "Street lamps on", "amber");
  const alerts = tile("alert", "Alerts, last 24 h", "red");
  const last = tile("clock", "Last reading", "green");
  const update = () => {
    const all = [...store.devices.values()];
    // The hub's counts: the page may hold only some of the devices.
    const online = store.online_total();
    const total = store.device_total();
    devices.value.textContent = `${online} / ${total}`;
    devices.note.textContent = total - online ? `${total - online} offline` : "all reporting";
    const lamp_devices = all.filter(is_lamp);
    const lit = lamp_devices.filter((d) => d.latest.lamp === 1).length;
    lamps.value.textContent = `${lit} / ${lamp_devices.length}`;
    lamps.note.textContent = lamp_devices.length ? `${lamp_devices.length - lit} off` : "no lamps yet";
    if (store.connection !== "connected" && !all.length) {
      // Nothing known yet (connecting, or refused without a token): no "all calm" village.
      for (const t of [devices, lamps, alerts]) t.value.textContent = "—";
      devices.note.textContent = lamps.note.textContent = alerts.note.textContent =
        store.connection === "denied" ? "token needed" : "connecting";
      return;
    }
    const recent = store.recent_alerts();
    alerts.value.textContent = String(recent);
    alerts.note.textContent = recent ? "see the alerts list" : "all calm";
    last.value.textContent = ago(store.last_reading);
    last.note.textContent = store.last_reading ? new Date(store.last_reading).toLocaleTimeString() : "waiting for devices";
  };
  store.on("devices", update);
  store.on("alerts", update);
  store.on("connection", update);
  setInterval(update, 1000);
  update();
  return h("section.stats", { "aria-label": "Summary" }, devices.el, lamps.el, alerts.el, last.el);
}
