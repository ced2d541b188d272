// The hub's Socket.IO contract (docs/hub-protocol.md), as the dashboard sees it.

export type Values = Record<string, number>;

export interface Device {
  id: string;
  name: string;
  group: string;
  kind: string;
  transport: "tcp" | "udp" | "";
  address: string;
  online: boolean;
  /** false: a UDP sender that cannot receive commands (no switches for it). */
  commands?: boolean;
  first_seen: number;
  last_seen: number;
  latest: Values;
}

export type CommandState = "queued" | "sent" | "acked" | "failed";

export interface Command {
  id: number | string;
  device: string;
  command: string;
  source: string;
  state: CommandState;
  created: number;
  sent?: number;
  acked?: number;
  reply?: string;
}

export interface Alert {
  id: number | string;
  ts: number;
  rule: string;
  device: string;
  message: string;
  value?: number;
}

export interface Range {
  min: number;
  max: number;
}

export interface Alley {
  name: string;
  light_sensor: string;
  lamps: string[];
  group: string;
  on_below: number;
  off_above: number;
  schedule?: { on: string; off: string };
}

// What a greenhouse's rule sends to switch its fan and pump (the dashboard's switches send the same).
export interface GreenhouseCommands {
  fan_on: string;
  fan_off: string;
  pump_on: string;
  pump_off: string;
}

export interface Greenhouse {
  name: string;
  device: string;
  temp?: Range | null;
  hum?: Range | null;
  commands?: GreenhouseCommands;
}

export interface Village {
  alleys: Alley[];
  greenhouses: Greenhouse[];
}

export interface Snapshot {
  devices: Device[];
  village: Village & { alley_state?: AlleyState[] };
  alerts: Alert[];
  alert_count?: number;
  alerts_24h?: number;
  /** The hub's counts: `devices` above is a page of them (docs/hub-protocol.md). */
  device_count?: number;
  online_count?: number;
  /** Where find-devices goes on past the page; null: the page holds every device. */
  next_offset?: number | null;
}

export interface FindDevicesReply {
  ok: boolean;
  error?: string;
  devices: Device[];
  total: number;
  next_offset: number | null;
}

// What the rules hold for an alley: its lamps, and a manual "All off" with its end.
export interface AlleyState {
  name: string;
  lamps_on: boolean | null;
  overridden: boolean;
  override_until: number | null;
}

export interface Telemetry {
  device: string;
  ts: number;
  values: Values;
}

export interface DeviceMessage {
  device: string;
  ts: number;
  text: string;
}

// One bucket of a downsampled series: [ts, avg, min, max].
export type Bucket = [number, number, number, number];

export interface HistoryReply {
  ok: boolean;
  error?: string;
  device: string;
  from: number;
  to: number;
  series: Record<string, Bucket[]>;
}

export interface CommandReply {
  ok: boolean;
  error?: string;
  commands?: Command[];
}

export interface ChatMessage {
  ts: number;
  user: string;
  text: string;
  origin: "tcp" | "web";
}
