// A live line chart of one reading over a time window (uPlot). History comes in downsampled
// buckets; live readings are folded into buckets of the same width, so the chart never holds more
// points than it has pixels across.
import uPlot from "uplot";
import { format_value, is_switch_key, short_clock, unit_of } from "./format";
import type { Bucket } from "./types";

const HEIGHT = 132;

export class SensorChart {
  private plot: uPlot;
  private xs: number[] = []; // seconds
  private ys: number[] = [];
  private counts: number[] = []; // readings folded into each live bucket
  private range_ms: number;
  private bucket_ms = 1000;
  private observer: ResizeObserver;
  private hold: number | undefined; // on/off keys: the state now, drawn up to the right edge

  constructor(
    private host: HTMLElement,
    private key: string,
    private color: string,
    range_ms: number,
  ) {
    this.range_ms = range_ms;
    const width = Math.max(160, host.clientWidth || 300);
    this.plot = new uPlot(this.options(width), [[], []], host);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(host);
  }

  // How many points the server should send: one per pixel across.
  points(): number {
    return Math.max(10, Math.min(2000, Math.round(this.plot.bbox.width / devicePixelRatio) || this.host.clientWidth));
  }

  set_history(buckets: Bucket[], range_ms: number, now = Date.now()): void {
    this.range_ms = range_ms;
    this.bucket_ms = Math.max(1000, Math.floor(range_ms / this.points()));
    this.xs = buckets.map((b) => b[0] / 1000);
    this.ys = buckets.map((b) => b[1]);
    this.counts = buckets.map(() => 1);
    this.redraw(now);
  }

  push(ts: number, value: number): void {
    const n = this.xs.length;
    const last_ms = n ? this.xs[n - 1] * 1000 : -Infinity;
    if (ts < last_ms) return; // out of order: the history already covers it
    if (n && Math.floor(ts / this.bucket_ms) === Math.floor(last_ms / this.bucket_ms)) {
      const count = this.counts[n - 1] + 1;
      this.ys[n - 1] += (value - this.ys[n - 1]) / count;
      this.counts[n - 1] = count;
      this.xs[n - 1] = ts / 1000;
    } else {
      this.xs.push(ts / 1000);
      this.ys.push(value);
      this.counts.push(1);
    }
    this.redraw(Date.now());
  }

  // For on/off keys: the current state, so the step line reaches "now" even between changes.
  set_hold(value: number | undefined): void {
    this.hold = is_switch_key(this.key) ? value : undefined;
  }

  // Slides the window to end at `now`, dropping what fell out of it.
  tick(now = Date.now()): void {
    this.redraw(now);
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot.destroy();
  }

  private redraw(now: number): void {
    const from_s = (now - this.range_ms) / 1000;
    let drop = 0;
    while (drop < this.xs.length - 1 && this.xs[drop + 1] < from_s) drop++;
    if (drop) {
      this.xs.splice(0, drop);
      this.ys.splice(0, drop);
      this.counts.splice(0, drop);
    }
    let xs = this.xs;
    let ys = this.ys;
    if (this.hold !== undefined) {
      const first_x = xs.length ? xs[0] : from_s;
      xs = [Math.min(first_x, from_s), ...xs, now / 1000];
      ys = [ys.length ? ys[0] : this.hold, ...ys, this.hold];
    }
    this.plot.batch(() => {
      this.plot.setData([xs, ys], false);
      this.plot.setScale("x", { min: from_s, max: now / 1000 });
      const [lo, hi] = y_range(this.ys, this.key);
      this.plot.setScale("y", { min: lo, max: hi });
    });
  }

  private resize(): void {
    const width = Math.max(160, this.host.clientWidth);
    if (Math.abs(width - this.plot.width) < 2) return;
    this.plot.setSize({ width, height: HEIGHT });
  }

  private options(width: number): uPlot.Options {
    const color = this.color;
    const unit = unit_of(this.key);
    const key = this.key;
    const switch_key = is_switch_key(key);
    const axis_font = "11px system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', sans-serif";
    return {
      width,
      height: HEIGHT,
      padding: [8, 16, 0, 0],
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 7, fill: color } },
      scales: { x: { time: true, auto: false }, y: { auto: false } },
      axes: [
        {
          stroke: "#8b94a7",
          font: axis_font,
          grid: { show: false },
          ticks: { show: false },
          size: 24,
          space: 50,
          values: (_u, splits) => splits.map((s) => short_clock(s * 1000)),
        },
        {
          stroke: "#8b94a7",
          font: axis_font,
          grid: { stroke: "#edf0f5", width: 1 },
          ticks: { show: false },
          size: 42,
          space: 32,
          splits: switch_key ? () => [0, 1] : undefined,
          values: (_u, splits) => splits.map((v) => format_value(v, key)),
        },
      ],
      series: [
        {},
        {
          label: key,
          stroke: color,
          width: 2,
          // Dots only where readings are sparse, so a handful of them still reads as data.
          points: { show: (_u, _s, i0, i1) => !switch_key && i1 - i0 < 40, size: 5, fill: color },
          spanGaps: false,
          paths: switch_key ? uPlot.paths.stepped!({ align: 1 }) : undefined,
          value: (_u, v) => (v === null ? "—" : `${format_value(v, key)} ${unit}`),
          fill: (u) => {
            const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
            g.addColorStop(0, `${color}38`);
            g.addColorStop(1, `${color}00`);
            return g;
          },
        },
      ],
    };
  }
}

function y_range(ys: number[], key: string): [number, number] {
  if (is_switch_key(key)) return [-0.15, 1.15];
  if (!ys.length) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of ys) {
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  const pad = Math.max((hi - lo) * 0.15, Math.abs(hi) * 0.02, 0.5);
  return [lo - pad, hi + pad];
}
