// How numbers, units and times read on the dashboard.

const UNITS: Record<string, string> = {
  temp: "°C",
  temperature: "°C",
  hum: "%",
  humidity: "%",
  light: "lx",
  lux: "lx",
  soil: "%",
  moisture: "%",
  pressure: "hPa",
  co2: "ppm",
  rssi: "dBm",
  battery: "%",
  voltage: "V",
};

const LABELS: Record<string, string> = {
  temp: "Temperature",
  temperature: "Temperature",
  hum: "Humidity",
  humidity: "Humidity",
  light: "Light",
  lamp: "Lamp",
  fan: "Fan",
  led: "LED",
  soil: "Soil moisture",
  co2: "CO₂",
  rssi: "Signal",
};

export function unit_of(key: string): string {
  return UNITS[key.toLowerCase()] ?? "";
}

export function label_of(key: string): string {
  const known = LABELS[key.toLowerCase()];
  if (known) return known;
  const spaced = key.replace(/[_-]+/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

// Booleans-as-numbers (lamp, fan, led) read as On/Off.
export function is_switch_key(key: string): boolean {
  return ["lamp", "fan", "led", "relay", "pump"].includes(key.toLowerCase());
}

export function format_value(value: number | undefined, key = ""): string {
  if (value === undefined || value === null || Number.isNaN(value)) return "—";
  if (is_switch_key(key)) return value ? "On" : "Off";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100 || Number.isInteger(value)) return String(Math.round(value * 10) / 10);
  return value.toFixed(1);
}

export function ago(ts: number | undefined, now = Date.now()): string {
  if (!ts) return "never";
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return `${hrs} h ago`;
  return `${Math.floor(hrs / 24)} d ago`;
}

export function clock(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function short_clock(ts: number): string {
  return clock(ts).slice(0, 5);
}
