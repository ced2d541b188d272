// What the dashboard knows: devices, the village, alerts and commands, kept current from the hub's
// events. Panels subscribe to the topics they draw.
import type { Alert, AlleyState, Command, Device, GreenhouseCommands, Snapshot, Telemetry, Village } from "./types";

export type Topic = "devices" | "village" | "alerts" | "commands" | "telemetry" | "connection";

const MAX_ALERTS = 50;
const MAX_COMMANDS = 20; // per device: the device panel's list
const MAX_SEEN_COMMANDS = 1000; // live updates remembered against slower loads (load_commands)

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "denied";

export class Store {
  devices = new Map<string, Device>();
  village: Village = { alleys: [], greenhouses: [] };
  alerts: Alert[] = [];
  // The store's counts (the list above is capped): all alerts, and those of the last 24 h as of
  // the snapshot plus the live ones since.
  alert_total = 0;
  alerts_24h = 0;
  private alerts_24h_at = 0;
  alley_state = new Map<string, AlleyState>();
  // Each device's commands, newest first: loaded from the hub's store when the device panel opens
  // it, then kept current from command-status events.
  commands = new Map<string, Command[]>();
  private command_updates = 0; // counts live updates, so that a slower load never undoes one
  private command_seen = new Map<string, number>();
  // The hub's device counts (the snapshot holds a page of the devices), and where the next page
  // starts (null: every device is here). Null counts: an older hub, count what is here.
  device_count: number | null = null;
  online_count: number | null = null;
  next_offset: number | null = null;
  connection: ConnectionState = "connecting";
  connection_detail = "";
  last_reading = 0;
  private listeners = new Map<Topic, Set<(payload?: unknown) => void>>();
  private devices_dirty = false;
  private snapshot_at = 0;

  on(topic: Topic, fn: (payload?: unknown) => void): void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
  }

  private emit(topic: Topic, payload?: unknown): void {
    for (const fn of this.listeners.get(topic) ?? []) fn(payload);
  }

  // Device changes are drawn at most once per frame, however fast readings arrive.
  private devices_changed(): void {
    if (this.devices_dirty) return;
    this.devices_dirty = true;
    requestAnimationFrame(() => {
      this.devices_dirty = false;
      this.emit("devices");
    });
  }

  set_connection(state: ConnectionState, detail = ""): void {
    this.connection = state;
    this.connection_detail = detail;
    this.emit("connection");
  }

  apply_snapshot(snapshot: Snapshot): void {
    this.devices.clear();
    for (const device of snapshot.devices ?? []) this.devices.set(device.id, normalize(device));
    this.device_count = snapshot.device_count ?? null;
    this.online_count = snapshot.online_count ?? null;
    this.next_offset = snapshot.next_offset ?? null;
    this.snapshot_at = Date.now();
    this.village = {
      alleys: snapshot.village?.alleys ?? [],
      greenhouses: snapshot.village?.greenhouses ?? [],
    };
    this.alerts = (snapshot.alerts ?? []).slice().sort((a, b) => b.ts - a.ts).slice(0, MAX_ALERTS);
    this.alert_total = snapshot.alert_count ?? this.alerts.length;
    this.alerts_24h = snapshot.alerts_24h ?? this.alerts.length;
    this.alerts_24h_at = Date.now();
    this.apply_alley_state(snapshot.village?.alley_state ?? [], false);
    for (const device of this.devices.values()) {
      this.last_reading = Math.max(this.last_reading, device.last_seen || 0);
    }
    this.emit("village");
    this.emit("devices");
    this.emit("alerts");
  }

  apply_device(device: Device): void {
    const known = this.devices.get(device.id);
    const next = normalize(device);
    // Keep the hub's counts current between two device-counts answers: a device known here that
    // changes state, or one new to the hub (first seen now). Others are corrected by set_counts.
    if (this.online_count !== null && known && known.online !== next.online) this.online_count += next.online ? 1 : -1;
    if (this.device_count !== null && !known && next.first_seen >= this.snapshot_at) {
      this.device_count += 1;
      if (this.online_count !== null && next.online) this.online_count += 1;
    }
    // A device event may carry older latest values than readings already seen; keep the newest.
    if (known && known.last_seen > next.last_seen) next.latest = { ...next.latest, ...known.latest };
    this.devices.set(device.id, next);
    this.devices_changed();
  }

  // Devices the hub found (a search, the next page): known from now on, counted already.
  merge_devices(devices: Device[]): void {
    for (const device of devices) {
      const known = this.devices.get(device.id);
      const next = normalize(device);
      if (known && known.last_seen > next.last_seen) continue;
      this.devices.set(device.id, next);
    }
    this.devices_changed();
  }

  set_counts(devices: number, online: number): void {
    if (devices === this.device_count && online === this.online_count) return;
    this.device_count = devices;
    this.online_count = online;
    this.emit("devices");
  }

  // Devices the hub knows, and those online: its counts, or (an older hub) what is here.
  device_total(): number {
    return Math.max(this.device_count ?? 0, this.devices.size);
  }

  online_total(): number {
    return this.online_count ?? [...this.devices.values()].filter((d) => d.online).length;
  }

  apply_telemetry(t: Telemetry): void {
    let device = this.devices.get(t.device);
    if (!device) {
      device = normalize({ id: t.device, first_seen: t.ts, online: true } as Device);
      this.devices.set(t.device, device);
    }
    device.latest = { ...device.latest, ...t.values };
    device.last_seen = Math.max(device.last_seen || 0, t.ts);
    device.online = true;
    this.last_reading = Math.max(this.last_reading, t.ts);
    this.emit("telemetry", t);
    this.devices_changed();
  }

  apply_alert(alert: Alert): void {
    if (this.alerts.some((a) => a.id === alert.id)) return;
    this.alerts.unshift(alert);
    this.alert_total += 1;
    this.alerts_24h += 1;
    this.alerts.length = Math.min(this.alerts.length, MAX_ALERTS);
    this.emit("alerts", alert);
  }

  apply_alley_state(alleys: AlleyState[], notify = true): void {
    this.alley_state = new Map(alleys.map((a) => [a.name, a]));
    if (notify) this.emit("village");
  }

  // Alerts of the last 24 h: the snapshot's count ages out only at the next snapshot (a reload);
  // after a day without one, the live list is the better answer.
  recent_alerts(): number {
    const DAY_MS = 24 * 3600 * 1000;
    if (Date.now() - this.alerts_24h_at > DAY_MS) return this.alerts.filter((a) => Date.now() - a.ts < DAY_MS).length;
    return this.alerts_24h;
  }

  apply_command(command: Command): void {
    // Newest last; only a load that started many updates ago could need the oldest entries.
    const id = String(command.id);
    this.command_seen.delete(id);
    this.command_seen.set(id, ++this.command_updates);
    if (this.command_seen.size > MAX_SEEN_COMMANDS) this.command_seen.delete(this.command_seen.keys().next().value as string);
    this.put_commands(command.device, [command], true);
    this.emit("commands", command.device);
  }

  // The live-update count now: pass it to load_commands with what a request started now returns.
  commands_mark(): number {
    return this.command_updates;
  }

  // A device's stored commands from the hub: they replace what is known of them, except those a
  // command-status event changed since `mark` (the event is newer than the query's answer).
  load_commands(device: string, loaded: Command[], mark: number): void {
    const fresh = loaded.filter((c) => (this.command_seen.get(String(c.id)) ?? 0) <= mark);
    this.put_commands(device, fresh, false);
    this.emit("commands", device);
  }

  commands_of(device: string): Command[] {
    return this.commands.get(device) ?? [];
  }

  private put_commands(device: string, list: Command[], merge: boolean): void {
    const known = new Map((this.commands.get(device) ?? []).map((c) => [String(c.id), c]));
    for (const c of list) {
      const id = String(c.id);
      const before = known.get(id);
      known.set(id, merge && before ? { ...before, ...c } : c);
    }
    const sorted = [...known.values()].sort((a, b) => b.created - a.created || Number(b.id) - Number(a.id));
    this.commands.set(device, sorted.slice(0, MAX_COMMANDS));
  }

  sorted_devices(): Device[] {
    return [...this.devices.values()].sort(
      (a, b) => Number(b.online) - Number(a.online) || a.id.localeCompare(b.id, "en", { numeric: true }),
    );
  }
}

function normalize(device: Partial<Device> & { id: string }): Device {
  return {
    id: device.id,
    name: device.name ?? "",
    group: device.group ?? "",
    kind: device.kind ?? "",
    transport: device.transport ?? "",
    address: device.address ?? "",
    online: Boolean(device.online),
    first_seen: device.first_seen ?? 0,
    last_seen: device.last_seen ?? 0,
    latest: { ...(device.latest ?? {}) },
  };
}

export function display_name(device: Device | undefined, id: string): string {
  return device?.name || id;
}

// Lamps are devices of kind "lamp" or any device that reports a `lamp` reading.
export function is_lamp(device: Device): boolean {
  return device.kind === "lamp" || "lamp" in device.latest;
}

// The hub's defaults for [[village.greenhouses]] on_temp_high/normal, on_hum_low/normal.
export const DEFAULT_GREENHOUSE_COMMANDS: GreenhouseCommands = {
  fan_on: "fan-on",
  fan_off: "fan-off",
  pump_on: "pump-on",
  pump_off: "pump-off",
};

// The fan and pump commands of a greenhouse device: its configured rule's, the defaults for a
// device of kind "greenhouse" no rule names, undefined for any other device.
export function greenhouse_commands(store: Store, id: string): GreenhouseCommands | undefined {
  const configured = store.village.greenhouses.find((g) => g.device === id);
  if (configured) return { ...DEFAULT_GREENHOUSE_COMMANDS, ...(configured.commands ?? {}) };
  return store.devices.get(id)?.kind === "greenhouse" ? DEFAULT_GREENHOUSE_COMMANDS : undefined;
}

// A device search: the text in its id, name, group or kind, in any case (as the hub's find-devices).
export function device_matches(device: Device, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || [device.id, device.name, device.group, device.kind].some((f) => f.toLowerCase().includes(q));
}
