// The soket dashboard: connects to the hub's /dashboard and /chat namespaces and lays out the panels.
import "./styles/app.css";
import { h } from "./dom";
import { Hub } from "./hub";
import { alerts } from "./panels/alerts";
import { chat } from "./panels/chat";
import { detail } from "./panels/detail";
import { devices } from "./panels/devices";
import { greenhouse } from "./panels/greenhouse";
import { header } from "./panels/header";
import { summary } from "./panels/summary";
import { token_prompt } from "./panels/token";
import { village } from "./panels/village";
import { Store } from "./store";

const store = new Store();
const hub = new Hub(store);

// Which device the device panel shows: the user's pick, else the first greenhouse, else the first device.
const selection = (() => {
  let picked = "";
  const listeners: (() => void)[] = [];
  const fallback = () =>
    store.village.greenhouses[0]?.device ??
    store.sorted_devices().find((d) => Object.keys(d.latest).length > 1)?.id ??
    store.sorted_devices()[0]?.id ??
    "";
  return {
    get: () => picked || fallback(),
    set: (id: string) => {
      picked = id;
      for (const fn of listeners) fn();
    },
    on: (fn: () => void) => listeners.push(fn),
  };
})();

const app = document.getElementById("app")!;
app.replaceChildren(
  header(store),
  h(
    "main.grid",
    null,
    summary(store),
    village(store, hub),
    greenhouse(store, hub),
    devices(store, hub, selection),
    detail(store, hub, selection),
    alerts(store),
    chat(),
  ),
  token_prompt(store),
);
store.on("devices", () => {
  // Keep the list's highlight in step with the panel.
  for (const row of document.querySelectorAll<HTMLElement>("[data-device-row]")) {
    row.setAttribute("aria-selected", String(row.dataset.deviceRow === selection.get()));
  }
});
selection.on(() => {
  for (const row of document.querySelectorAll<HTMLElement>("[data-device-row]")) {
    row.setAttribute("aria-selected", String(row.dataset.deviceRow === selection.get()));
  }
  document.getElementById("detail")?.scrollIntoView({ behavior: "smooth", block: "nearest" });
});
