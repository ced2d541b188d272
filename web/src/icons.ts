// Inline SVG icons (24x24, stroked with currentColor) so nothing is fetched at run time.
import { svg } from "./dom";

const wrap = (body: string) =>
  `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" ` +
  `stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

const PATHS = {
  logo:
    '<circle cx="12" cy="12" r="3"/><path d="M6.3 6.3a8 8 0 0 0 0 11.4"/><path d="M17.7 6.3a8 8 0 0 1 0 11.4"/>' +
    '<path d="M3.5 3.5a12 12 0 0 0 0 17"/><path d="M20.5 3.5a12 12 0 0 1 0 17"/>',
  bulb:
    '<path d="M9 18h6"/><path d="M10 21h4"/>' +
    '<path d="M9.5 15c0-1-.5-1.8-1.3-2.5a5.5 5.5 0 1 1 7.6 0c-.8.7-1.3 1.5-1.3 2.5z"/>',
  thermo: '<path d="M14 14.8V5a2 2 0 0 0-4 0v9.8a4 4 0 1 0 4 0z"/><path d="M12 11v6"/>',
  drop: '<path d="M12 3s6 6.5 6 11a6 6 0 0 1-12 0c0-4.5 6-11 6-11z"/>',
  sun:
    '<circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2' +
    'M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>',
  chip:
    '<rect x="6" y="6" width="12" height="12" rx="2"/><rect x="9.5" y="9.5" width="5" height="5" rx="1"/>' +
    '<path d="M9 2v3M15 2v3M9 19v3M15 19v3M2 9h3M2 15h3M19 9h3M19 15h3"/>',
  alert:
    '<path d="M10.3 3.9 2.4 17.5A2 2 0 0 0 4.1 20.5h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/>' +
    '<path d="M12 9v4M12 17h.01"/>',
  chat: '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>',
  send: '<path d="M21 3 10 14"/><path d="M21 3 14.5 21l-4.5-7-7-4.5L21 3z"/>',
  leaf:
    '<path d="M5 19c0-8 5-13 15-14-1 10-6 15-14 15"/><path d="M5 19c3-4 6-6.5 9-8"/>',
  fan:
    '<circle cx="12" cy="12" r="1.6"/><path d="M12 10.4c-1-3.6.4-6.4 3-6.4 2.3 0 3 3.2-3 6.4z"/>' +
    '<path d="M13.4 12.8c3.6 1 5.3 3.6 4 5.8-1.2 2-4.3 1-4-5.8z"/><path d="M10.6 12.8c-2.6 2.6-5.7 2.8-7 .6-1.1-2 1.4-4.2 7-.6z"/>',
  power: '<path d="M12 3v8"/><path d="M6.3 6.8a8 8 0 1 0 11.4 0"/>',
  terminal: '<path d="m5 8 4 4-4 4"/><path d="M12 17h7"/>',
  clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
  wifi:
    '<path d="M2 8.8a15 15 0 0 1 20 0"/><path d="M5 12.5a10 10 0 0 1 14 0"/><path d="M8.5 16a5 5 0 0 1 7 0"/>' +
    '<path d="M12 19.5h.01"/>',
  wifiOff:
    '<path d="M3 3l18 18"/><path d="M8.5 16a5 5 0 0 1 7 0"/><path d="M5 12.5a10 10 0 0 1 4.4-2.6"/>' +
    '<path d="M14.8 10.2a10 10 0 0 1 4.2 2.3"/><path d="M2 8.8a15 15 0 0 1 4.3-2.7"/><path d="M10.5 5.1a15 15 0 0 1 11.5 3.7"/>' +
    '<path d="M12 19.5h.01"/>',
  check: '<path d="m5 12.5 4.5 4.5L19 7.5"/>',
  user: '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
  home: '<path d="m3 11 9-7 9 7"/><path d="M5 10v10h14V10"/><path d="M10 20v-6h4v6"/>',
  gauge: '<path d="M4 16a8 8 0 1 1 16 0"/><path d="m12 16 4-5"/>',
  chart: '<path d="M3 3v18h18"/><path d="m7 15 4-5 3 3 5-7"/>',
  download: '<path d="M12 4v11"/><path d="m7 10 5 5 5-5"/><path d="M5 20h14"/>',
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName, className = "icon"): SVGElement {
  return svg(wrap(PATHS[name]), className);
}

// The favicon and the header mark use the same drawing.
export function icon_markup(name: IconName): string {
  return wrap(PATHS[name]);
}
