// The connection to soket's /dashboard namespace: feeds the store, and sends commands and history
// requests with acks. socket.io-client reconnects by itself; a new `snapshot` follows every connect.
import { io, type Socket } from "socket.io-client";
import type { Store } from "./store";
import type { Alert, AlleyState, Command, CommandReply, Device, FindDevicesReply, HistoryReply, Snapshot, Telemetry } from "./types";

const ACK_TIMEOUT_MS = 10000;
const COUNTS_EVERY_MS = 5000;

export function url_token(): string | undefined {
  return new URLSearchParams(window.location.search).get("token") ?? undefined;
}

export class Hub {
  readonly socket: Socket;

  constructor(private store: Store) {
    const token = url_token();
    this.socket = io("/dashboard", {
      auth: token ? { token } : {},
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    const s = this.socket;
    s.on("connect", () => store.set_connection("connected"));
    s.on("disconnect", (reason) => {
      // The server closing the namespace on us is final for socket.io-client; come back anyway.
      if (reason === "io server disconnect") setTimeout(() => s.connect(), 1000);
      store.set_connection("reconnecting", reason);
    });
    s.on("connect_error", (err: Error & { data?: unknown }) => {
      const denied = /auth|token|unauthori[sz]ed|forbidden/i.test(err.message);
      store.set_connection(denied ? "denied" : "reconnecting", err.message);
      // An auth refusal is not retried by the client; a wrong token stays wrong, so wait for a reload.
      if (!denied && !s.active) setTimeout(() => s.connect(), 2000);
    });
    s.io.on("reconnect_attempt", () => store.set_connection("reconnecting"));
    s.on("snapshot", (snapshot: Snapshot) => store.apply_snapshot(snapshot));
    s.on("device", (device: Device) => store.apply_device(device));
    s.on("telemetry", (t: Telemetry) => store.apply_telemetry(t));
    s.on("alert", (alert: Alert) => store.apply_alert(alert));
    s.on("command-status", (command: Command) => store.apply_command(command));
    s.on("village-state", (state: { alleys: AlleyState[] }) => store.apply_alley_state(state.alleys ?? []));
    // The snapshot holds a page of the devices: the hub's counts are asked for again now and then.
    setInterval(() => {
      if (s.connected && store.device_count !== null) this.refresh_counts().catch(() => undefined);
    }, COUNTS_EVERY_MS);
  }

  async refresh_counts(): Promise<void> {
    const reply = await this.request<{ ok: boolean; error?: string; devices: number; online: number }>("device-counts", {});
    this.store.set_counts(reply.devices, reply.online);
  }

  // Devices past the snapshot's page, or those matching `q`: into the store.
  async find_devices(body: { q?: string; offset?: number; limit?: number }): Promise<FindDevicesReply> {
    const reply = await this.request<FindDevicesReply>("find-devices", body);
    this.store.merge_devices(reply.devices ?? []);
    return reply;
  }

  async command(to: string, command: string): Promise<CommandReply> {
    const reply = await this.request<CommandReply>("command", { to, command });
    for (const c of reply.commands ?? []) this.store.apply_command(c);
    return reply;
  }

  // The device's stored commands, newest first, into the store (the device panel's list).
  async commands(device: string): Promise<void> {
    const mark = this.store.commands_mark();
    const reply = await this.request<{ ok: boolean; error?: string; commands: Command[] }>("commands", { device, limit: 20 });
    this.store.load_commands(device, reply.commands ?? [], mark);
  }

  // "All off": every alley's lamps, nothing else; at night the rule is held off for a while.
  async lamps_off(): Promise<{ ok: boolean; lamps: number; alleys: AlleyState[] }> {
    const reply = await this.request<{ ok: boolean; error?: string; lamps: number; alleys: AlleyState[] }>("lamps-off", {});
    this.store.apply_alley_state(reply.alleys ?? []);
    return reply;
  }

  history(device: string, from: number, to: number, points: number): Promise<HistoryReply> {
    return this.request<HistoryReply>("history", { device, from, to, points });
  }

  // A short-lived signed link to the device's readings as CSV: a download cannot carry the API
  // token, so the hub signs the exact export for this authenticated connection (docs/security.md).
  async csv_link(device: string, from: number, to: number): Promise<string> {
    const reply = await this.request<{ ok: boolean; error?: string; url: string }>("csv-link", { device, from, to });
    return reply.url;
  }

  private async request<T extends { ok: boolean; error?: string }>(event: string, body: unknown): Promise<T> {
    if (!this.socket.connected) throw new Error("not connected to the hub");
    const reply = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, body)) as T;
    if (!reply || !reply.ok) throw new Error(reply?.error || `${event} failed`);
    return reply;
  }
}
