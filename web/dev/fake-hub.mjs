#!/usr/bin/env node
// A stand-in for `soket serve` while developing the dashboard: the hub contract of
// docs/hub-protocol.md (/dashboard and /chat, the device line protocol on TCP/UDP, the TCP chat)
// over in-memory state, optionally with a simulated village. A dev tool only: the browser tests
// run against the real hub.
//
//   node dev/fake-hub.mjs                      # ports 5000/2004/59000, simulated village
//   node dev/fake-hub.mjs serve --http-port 5080 --tcp-port 2104 --chat-port 59100 [--config f] [--simulate]
import { createSocket } from "node:dgram";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { parse_config_toml } from "./mini-toml.mjs";

const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const MAX_READINGS_PER_KEY = 20000;
const MAX_ALERTS = 500;
const MAX_CHAT = 200;
const MAX_LINE = 4096;

// ---------- command line ----------
function parse_args(argv) {
  const opts = { http: 5000, tcp: 2004, udp: 2004, chat: 59000, bind: "0.0.0.0", config: "", simulate: false, token: "" };
  const args = [...argv];
  if (args[0] === "serve") args.shift();
  else if (!args.length) opts.simulate = true;
  while (args.length) {
    const flag = args.shift();
    const value = () => {
      if (!args.length) throw new Error(`${flag} needs a value`);
      return args.shift();
    };
    switch (flag) {
      case "--http-port": opts.http = Number(value()); break;
      case "--tcp-port": opts.tcp = Number(value()); break;
      case "--udp-port": opts.udp = Number(value()); break;
      case "--chat-port": opts.chat = Number(value()); break;
      case "--bind": opts.bind = value(); break;
      case "--config": opts.config = value(); break;
      case "--data-dir": opts.data_dir = value(); break;
      case "--dashboard-token": opts.token = value(); break;
      case "--simulate": opts.simulate = true; break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return opts;
}

const opts = parse_args(process.argv.slice(2));
const config = opts.config ? parse_config_toml(readFileSync(opts.config, "utf8")) : null;
const village = config ? config.village : opts.simulate ? default_village() : { alleys: [], greenhouses: [] };
if (config?.auth.dashboard_token) opts.token = config.auth.dashboard_token;

function default_village() {
  const alleys = ["Mawar", "Melati", "Kenanga"].map((flower, i) => ({
    name: `Gang ${flower}`,
    light_sensor: `light-${i + 1}`,
    group: `gang-${i + 1}`,
    lamps: [],
    on_below: 30,
    off_above: 60,
  }));
  return {
    alleys,
    greenhouses: [
      { name: "Greenhouse Cabai", device: "gh-1", temp: { min: 22, max: 32 }, hum: { min: 55, max: 80 } },
      { name: "Greenhouse Tomat", device: "gh-2", temp: { min: 20, max: 30 }, hum: { min: 60, max: 85 } },
    ],
  };
}

// ---------- state ----------
const devices = new Map(); // id -> Device
const links = new Map(); // id -> { write(line) }
const readings = new Map(); // id -> Map(key -> [[ts, value]])
const commands = []; // Command
const alerts = [];
const chat_log = [];
const rule_state = new Map(); // rule key -> last state
let next_command_id = 1;
let next_alert_id = 1;

function device_of(id, attrs = {}) {
  let d = devices.get(id);
  if (!d) {
    const now = Date.now();
    d = { id, name: "", group: "", kind: "", transport: "", address: "", online: false, first_seen: now, last_seen: now, latest: {} };
    devices.set(id, d);
  }
  Object.assign(d, attrs);
  return d;
}

function set_online(d, online) {
  if (d.online === online) return;
  d.online = online;
  dashboard.emit("device", d);
}

function record(id, ts, values) {
  const d = device_of(id);
  const fresh_keys = Object.keys(values).some((k) => !(k in d.latest));
  const was_online = d.online;
  Object.assign(d.latest, values);
  d.last_seen = ts;
  d.online = true;
  let per_key = readings.get(id);
  if (!per_key) readings.set(id, (per_key = new Map()));
  for (const [k, v] of Object.entries(values)) {
    let list = per_key.get(k);
    if (!list) per_key.set(k, (list = []));
    list.push([ts, v]);
    if (list.length > MAX_READINGS_PER_KEY) list.splice(0, list.length - MAX_READINGS_PER_KEY);
  }
  if (fresh_keys || !was_online) dashboard.emit("device", d);
  dashboard.to("telemetry").emit("telemetry", { device: id, ts, values });
  apply_rules(id, values);
}

function history(id, from, to, points) {
  const series = {};
  const width = Math.max(1, (to - from) / points);
  for (const [key, list] of readings.get(id) ?? []) {
    const buckets = new Map();
    for (const [ts, v] of list) {
      if (ts < from || ts > to) continue;
      const b = Math.min(points - 1, Math.floor((ts - from) / width));
      const acc = buckets.get(b) ?? { sum: 0, n: 0, min: Infinity, max: -Infinity };
      acc.sum += v;
      acc.n += 1;
      acc.min = Math.min(acc.min, v);
      acc.max = Math.max(acc.max, v);
      buckets.set(b, acc);
    }
    series[key] = [...buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([b, acc]) => [Math.round(from + (b + 0.5) * width), acc.sum / acc.n, acc.min, acc.max]);
  }
  return series;
}

// ---------- commands ----------
function targets_of(to) {
  if (to === "*") return [...devices.keys()];
  if (to.startsWith("group:")) {
    const group = to.slice(6);
    return [...devices.values()].filter((d) => d.group === group).map((d) => d.id);
  }
  return [to];
}

function status(c) {
  dashboard.emit("command-status", c);
}

function send_command(to, text, source) {
  const created = [];
  for (const id of targets_of(to)) {
    const c = { id: next_command_id++, device: id, command: text, source, state: "queued", created: Date.now() };
    commands.push(c);
    if (commands.length > 1000) commands.shift();
    deliver(c);
    created.push(c);
  }
  return created;
}

function deliver(c) {
  const link = links.get(c.device);
  if (!link) return;
  link.write(c.command);
  c.state = "sent";
  c.sent = Date.now();
  link.awaiting.push(c);
  status(c);
}

function acked(id, reply) {
  const link = links.get(id);
  const c = link?.awaiting.shift();
  if (!c) return;
  c.state = "acked";
  c.acked = Date.now();
  c.reply = reply;
  status(c);
}

function flush_queue(id) {
  for (const c of commands) if (c.device === id && c.state === "queued") deliver(c);
}

// ---------- rules ----------
function raise(rule, device, message, value) {
  const a = { id: next_alert_id++, ts: Date.now(), rule, device, message, value };
  alerts.push(a);
  if (alerts.length > MAX_ALERTS) alerts.shift();
  dashboard.emit("alert", a);
}

function crossing(key, next) {
  if (rule_state.get(key) === next) return false;
  rule_state.set(key, next);
  return true;
}

function alley_target(alley) {
  return alley.group ? [`group:${alley.group}`, ...alley.lamps] : alley.lamps;
}

function apply_rules(id, values) {
  for (const alley of village.alleys) {
    if (alley.light_sensor !== id || values.light === undefined) continue;
    let next = null;
    if (values.light < alley.on_below) next = "on";
    else if (values.light > alley.off_above) next = "off";
    if (next && crossing(`alley:${alley.name}`, next)) {
      for (const to of alley_target(alley)) send_command(to, next === "on" ? "lamp-on" : "lamp-off", "rule");
    }
  }
  for (const g of village.greenhouses) {
    if (g.device !== id) continue;
    for (const [key, label, unit] of [["temp", "Temperature", "°C"], ["hum", "Humidity", "%"]]) {
      const range = g[key];
      const v = values[key];
      if (!range || v === undefined) continue;
      const next = v > range.max ? "high" : v < range.min ? "low" : "normal";
      if (!crossing(`gh:${g.name}:${key}`, next)) continue;
      if (next === "normal") {
        if (key === "temp") send_command(id, "fan-off", "rule");
        continue;
      }
      raise(`greenhouse.${key}`, id, `${g.name}: ${label.toLowerCase()} ${next} (${v}${unit}, range ${range.min}–${range.max})`, v);
      if (key === "temp" && next === "high") send_command(id, "fan-on", "rule");
    }
  }
}

// ---------- the device line protocol ----------
const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

function parse_readings(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const obj = JSON.parse(trimmed);
      const values = {};
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v === "number") values[k] = v;
        else if (typeof v === "boolean") values[k] = v ? 1 : 0;
      }
      return Object.keys(values).length ? values : null;
    } catch {
      return null;
    }
  }
  const values = {};
  for (const part of trimmed.split(/[\s,;]+/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)=(-?\d+(?:\.\d+)?)$/.exec(part);
    if (!m) return null;
    values[m[1]] = Number(m[2]);
  }
  return Object.keys(values).length ? values : null;
}

// One message from a device; returns the reply line.
function on_device_message(session, text, transport, address) {
  if (text.startsWith("HELLO ")) {
    const [, id, ...rest] = text.split(/\s+/);
    if (!ID_RE.test(id ?? "")) return "ERR bad device id";
    const attrs = { transport, address, online: true, last_seen: Date.now() };
    for (const part of rest) {
      const m = /^(group|kind|name)=(.+)$/.exec(part);
      if (m) attrs[m[1]] = m[2];
    }
    if (session.id && session.id !== id) links.delete(session.id);
    session.id = id;
    device_of(id, attrs);
    if (session.write) links.set(id, { write: session.write, awaiting: [] });
    dashboard.emit("device", devices.get(id));
    flush_queue(id);
    return "OK";
  }
  if (!session.id) {
    session.id = `${transport}-${address.replace(/:/g, "-")}`;
    device_of(session.id, { transport, address });
    if (session.write) links.set(session.id, { write: session.write, awaiting: [] });
  }
  if (text === "OK" || text.startsWith("ACK")) {
    acked(session.id, text);
    return null;
  }
  const values = parse_readings(text);
  if (values) record(session.id, Date.now(), values);
  else dashboard.emit("device-message", { device: session.id, ts: Date.now(), text });
  return "OK";
}

function line_reader(socket, on_line) {
  let buffer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      if (line.length) on_line(line);
    }
    if (buffer.length > MAX_LINE) {
      socket.end("ERR line too long\n");
      buffer = "";
    }
  });
}

const device_server = createTcpServer((socket) => {
  const address = `${socket.remoteAddress}:${socket.remotePort}`;
  const session = { id: "", write: (line) => socket.writable && socket.write(`${line}\n`) };
  line_reader(socket, (line) => {
    const reply = on_device_message(session, line, "tcp", address);
    if (reply) session.write(reply);
  });
  const gone = () => {
    if (!session.id) return;
    if (links.get(session.id)?.write === session.write) links.delete(session.id);
    const d = devices.get(session.id);
    if (d) set_online(d, false);
  };
  socket.on("close", gone);
  socket.on("error", () => socket.destroy());
});

const udp = createSocket("udp4");
udp.on("message", (msg, rinfo) => {
  const session = { id: "", write: null };
  const text = msg.toString("utf8").trim();
  const hello = /^HELLO\s+(\S+)/.exec(text);
  if (!hello) session.id = `udp-${rinfo.address}-${rinfo.port}`;
  const reply = on_device_message(session, text, "udp", `${rinfo.address}:${rinfo.port}`);
  if (reply) udp.send(`${reply}\n`, rinfo.port, rinfo.address);
});

// ---------- chat ----------
const chat_clients = new Set();

function chat_broadcast(m, except) {
  chat_log.push(m);
  if (chat_log.length > MAX_CHAT) chat_log.shift();
  chat_ns.emit("message", m);
  for (const c of chat_clients) if (c !== except) c.write(`${m.user}: ${m.text}\n`);
}

function chat_system(text, except) {
  chat_ns.emit("system", text);
  for (const c of chat_clients) if (c !== except) c.write(`${text}\n`);
}

const chat_server = createTcpServer((socket) => {
  let name = "";
  socket.write("user?\n");
  line_reader(socket, (line) => {
    if (!name) {
      name = line.trim().slice(0, 32) || "anonymous";
      chat_clients.add(socket);
      socket.write("Kamu telah terhubung !\n");
      chat_system(`${name} Telah bergabung ke dalam chat !`, socket);
      return;
    }
    chat_broadcast({ ts: Date.now(), user: name, text: line.slice(0, 500), origin: "tcp" }, socket);
  });
  socket.on("close", () => {
    if (chat_clients.delete(socket)) chat_system(`${name} telah meninggalkan room chat !`);
  });
  socket.on("error", () => socket.destroy());
});

// ---------- HTTP + Socket.IO ----------
const MIME = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };

const http = createHttpServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const path = url.pathname === "/" ? "/index.html" : url.pathname;
  const file = normalize(join(WEB_DIST, path));
  if (!file.startsWith(WEB_DIST) || !existsSync(file)) {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found", message: `no ${url.pathname}` } }));
    return;
  }
  res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
  res.end(readFileSync(file));
});

const io = new Server(http, { serveClient: false });
const dashboard = io.of("/dashboard");
const chat_ns = io.of("/chat");

if (opts.token) {
  dashboard.use((socket, next) => {
    if (socket.handshake.auth?.token === opts.token) next();
    else next(new Error("unauthorized: a valid token is required"));
  });
}

const ok = (ack, body) => typeof ack === "function" && ack({ ok: true, ...body });
const fail = (ack, error) => typeof ack === "function" && ack({ ok: false, error });

dashboard.on("connection", (socket) => {
  socket.join("telemetry");
  // As the hub: each greenhouse with the commands its rule sends (the fan and pump switches').
  const greenhouses = village.greenhouses.map((g) => ({
    ...g,
    commands: {
      fan_on: g.on_temp_high ?? "fan-on",
      fan_off: g.on_temp_normal ?? "fan-off",
      pump_on: g.on_hum_low ?? "pump-on",
      pump_off: g.on_hum_normal ?? "pump-off",
    },
  }));
  socket.emit("snapshot", { devices: [...devices.values()], village: { ...village, greenhouses }, alerts: alerts.slice(-50).reverse() });
  socket.on("command", (body, ack) => {
    const to = body?.to;
    const text = typeof body?.command === "string" ? body.command.trim() : "";
    if (typeof to !== "string" || !to) return fail(ack, "'to' must be a device id, group:<name> or *");
    if (!text || text.length > 200 || /[\r\n]/.test(text)) return fail(ack, "'command' must be one line of 1-200 characters");
    const created = send_command(to, text, "dashboard");
    if (!created.length) return fail(ack, `no device matches ${to}`);
    ok(ack, { commands: created });
  });
  socket.on("history", (body, ack) => {
    const id = body?.device;
    if (typeof id !== "string" || !devices.has(id)) return fail(ack, "unknown device");
    const to = Number.isFinite(body.to) ? body.to : Date.now();
    const from = Number.isFinite(body.from) ? body.from : to - 3600e3;
    const points = Math.max(1, Math.min(2000, Number.isFinite(body.points) ? Math.floor(body.points) : 300));
    if (from >= to) return fail(ack, "'from' must be before 'to'");
    ok(ack, { device: id, from, to, series: history(id, from, to, points) });
  });
  socket.on("follow", (body, ack) => (socket.join(`device:${body?.device}`), ok(ack, {})));
  socket.on("unfollow", (body, ack) => (socket.leave(`device:${body?.device}`), ok(ack, {})));
  socket.on("commands", (body, ack) => {
    const id = body?.device;
    if (typeof id !== "string" || !devices.has(id)) return fail(ack, `unknown device '${id}'`);
    const limit = Math.max(1, Math.min(100, Number.isFinite(body.limit) ? Math.floor(body.limit) : 20));
    const mine = commands.filter((c) => c.device === id).sort((a, b) => b.id - a.id).slice(0, limit);
    ok(ack, { device: id, commands: mine });
  });
  // The stand-in sends every device in its snapshot; a search still goes through the hub's event.
  socket.on("find-devices", (body, ack) => {
    const q = String(body?.q ?? "").trim().toLowerCase();
    const offset = Math.max(0, Number.isFinite(body?.offset) ? Math.floor(body.offset) : 0);
    const limit = Math.max(1, Math.min(500, Number.isFinite(body?.limit) ? Math.floor(body.limit) : 50));
    const found = [...devices.values()].filter((d) => [d.id, d.name, d.group, d.kind].some((f) => String(f ?? "").toLowerCase().includes(q)));
    ok(ack, { devices: found.slice(offset, offset + limit), total: found.length, next_offset: offset + limit < found.length ? offset + limit : null });
  });
  socket.on("device-counts", (body, ack) => ok(ack, { devices: devices.size, online: [...devices.values()].filter((d) => d.online).length }));
  socket.on("devices", (ack) => ok(ack, { devices: [...devices.values()] }));
  socket.on("alerts", (body, ack) => ok(ack, { alerts: alerts.slice(-(body?.limit ?? 50)).reverse() }));
  // The real hub answers with a signed download link; the stand-in has no REST API to link to.
  socket.on("csv-link", (body, ack) => fail(ack, "the stand-in hub has no CSV export; use soket serve"));
});

chat_ns.on("connection", (socket) => {
  const raw = socket.handshake.auth?.name;
  const name = typeof raw === "string" && raw.trim() ? raw.trim().slice(0, 32) : "anonymous";
  socket.emit("name", { name, fixed: false });
  socket.emit("history", chat_log.slice(-50));
  socket.on("message", (text) => {
    if (typeof text !== "string" || !text.trim()) return;
    chat_broadcast({ ts: Date.now(), user: name, text: text.slice(0, 500), origin: "web" });
  });
});

// ---------- the simulated village ----------
function simulate() {
  const DAY_MS = 10 * 60 * 1000; // a simulated day lasts ten minutes
  const virtual = new Map(); // id -> state
  const lamp_ids = [];
  village.alleys.forEach((alley, a) => {
    for (let i = 1; i <= 4; i++) {
      const id = `lamp-${a + 1}-${i}`;
      lamp_ids.push(id);
      virtual.set(id, { lamp: 0 });
      device_of(id, { kind: "lamp", group: alley.group, name: `${alley.name.replace("Gang ", "")} ${i}`, transport: "tcp", address: `10.0.${a + 1}.${10 + i}:4210` });
    }
    device_of(alley.light_sensor, { kind: "light", group: alley.group, name: `Light ${alley.name.replace("Gang ", "")}`, transport: "udp", address: `10.0.${a + 1}.2:4210` });
  });
  village.greenhouses.forEach((g, i) => {
    virtual.set(g.device, { fan: 0 });
    device_of(g.device, { kind: "greenhouse", name: g.name, transport: "tcp", address: `10.0.9.${i + 2}:4210` });
  });
  for (const id of virtual.keys()) {
    links.set(id, {
      awaiting: [],
      write: (cmd) => {
        const state = virtual.get(id);
        setTimeout(() => {
          if (cmd === "lamp-on" || cmd === "lamp-off") state.lamp = cmd === "lamp-on" ? 1 : 0;
          if (cmd === "fan-on" || cmd === "fan-off") state.fan = cmd === "fan-on" ? 1 : 0;
          acked(id, "OK");
          if ("lamp" in state) record(id, Date.now(), { lamp: state.lamp });
          if ("fan" in state) record(id, Date.now(), { fan: state.fan });
        }, 120 + Math.random() * 300);
      },
    });
  }
  const daylight = (ts) => Math.max(0, Math.sin(((ts % DAY_MS) / DAY_MS) * 2 * Math.PI - Math.PI / 2.4));
  const noise = (amp) => (Math.random() - 0.5) * amp;
  const sample = (ts, phase) => {
    const light = Math.max(0, Math.round(daylight(ts) * 900 + noise(12) + phase * 3));
    const warm = daylight(ts);
    return { light, temp: 23 + warm * 9 + phase + noise(0.6), hum: 78 - warm * 20 - phase * 2 + noise(1.5) };
  };
  // A day of past readings so the history ranges have something to show.
  const now = Date.now();
  for (let ts = now - 24 * 3600e3; ts < now; ts += 60e3) {
    village.alleys.forEach((alley, a) => push_past(alley.light_sensor, ts, { light: sample(ts, a).light }));
    village.greenhouses.forEach((g, i) => {
      const s = sample(ts, i * 1.5);
      push_past(g.device, ts, { temp: round1(s.temp), hum: round1(s.hum) });
    });
  }
  function push_past(id, ts, values) {
    let per_key = readings.get(id);
    if (!per_key) readings.set(id, (per_key = new Map()));
    for (const [k, v] of Object.entries(values)) {
      if (!per_key.has(k)) per_key.set(k, []);
      per_key.get(k).push([ts, v]);
    }
    Object.assign(device_of(id).latest, values);
  }
  for (const id of virtual.keys()) device_of(id).online = true;
  devices.get(lamp_ids[lamp_ids.length - 1]).online = false; // one lamp is out, as in any village
  links.delete(lamp_ids[lamp_ids.length - 1]);
  for (const id of lamp_ids) record(id, now, { lamp: 0 });
  setInterval(() => {
    const ts = Date.now();
    village.alleys.forEach((alley, a) => record(alley.light_sensor, ts, { light: sample(ts, a).light }));
    village.greenhouses.forEach((g, i) => {
      const s = sample(ts, i * 1.5);
      record(g.device, ts, { temp: round1(s.temp), hum: round1(s.hum) });
    });
  }, 2000);
  chat_log.push(
    { ts: now - 300e3, user: "pak-rt", text: "Lampu gang Kenanga nomor 4 mati sejak kemarin.", origin: "tcp" },
    { ts: now - 240e3, user: "teknisi", text: "Siap, besok pagi saya cek.", origin: "web" },
  );
}

const round1 = (v) => Math.round(v * 10) / 10;

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, opts.bind, resolve);
  });
}

// Devices, alerts and chat survive a restart (readings do not), in <data-dir>/fake-hub.json.
const state_file = opts.data_dir ? join(opts.data_dir, "fake-hub.json") : "";
if (state_file && existsSync(state_file)) {
  const saved = JSON.parse(readFileSync(state_file, "utf8"));
  for (const d of saved.devices ?? []) devices.set(d.id, { ...d, online: false });
  alerts.push(...(saved.alerts ?? []));
  chat_log.push(...(saved.chat ?? []));
  next_alert_id = alerts.length + 1;
}
function save_state() {
  if (!state_file) return;
  mkdirSync(opts.data_dir, { recursive: true });
  writeFileSync(state_file, JSON.stringify({ devices: [...devices.values()], alerts, chat: chat_log }));
}

if (opts.simulate) simulate();
await listen(device_server, opts.tcp);
await listen(chat_server, opts.chat);
await new Promise((resolve, reject) => {
  udp.once("error", reject);
  udp.bind(opts.udp, opts.bind, resolve);
});
await listen(http, opts.http);
const host = opts.bind === "0.0.0.0" ? "127.0.0.1" : opts.bind;
console.log(`fake hub: devices tcp/udp ${opts.tcp}/${opts.udp}, chat ${opts.chat}`);
console.log(`listening on http://${host}:${opts.http}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    save_state();
    process.exit(0);
  });
}
