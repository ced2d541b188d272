// The chat room, shared with the TCP chat (port 59000): history on join, live messages, and
// sending under a name the user picks (kept in this browser).
import { io, type Socket } from "socket.io-client";
import { h } from "../dom";
import { clock } from "../format";
import { icon } from "../icons";
import { url_token } from "../hub";
import type { ChatMessage } from "../types";
import { card } from "../ui";

const NAME_KEY = "soket.chat.name";
const MAX_SHOWN = 200;

function stored_name(): string {
  try {
    const saved = localStorage.getItem(NAME_KEY);
    if (saved) return saved;
  } catch {
    // storage may be disabled; a fresh name each visit is fine
  }
  return `web-${Math.floor(1000 + Math.random() * 9000)}`;
}

export function chat(): HTMLElement {
  let name = stored_name();
  const log = h("ol.chat-log", { "aria-live": "polite", "data-testid": "chat-log" });
  const state = h("span.chat-state");
  const who = h("input.input.chat-name", { id: "chat-name", type: "text", value: name, maxlength: "32", "aria-label": "Your name" });
  const text = h("input.input", { id: "chat-text", type: "text", placeholder: "Write a message…", maxlength: "500", autocomplete: "off", "aria-label": "Message" });
  const form = h(
    "form.chat-form",
    null,
    text,
    h("button.btn.btn-primary", { type: "submit", "aria-label": "Send message" }, icon("send"), h("span.hide-sm", { text: "Send" })),
  );

  const token = url_token();
  const socket: Socket = io("/chat", { auth: { name, ...(token ? { token } : {}) }, reconnectionDelay: 500, reconnectionDelayMax: 4000 });

  const stick = () => {
    log.scrollTop = log.scrollHeight;
  };
  const near_bottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  const line = (m: ChatMessage) =>
    h(
      "li.msg",
      { "data-origin": m.origin, class: m.user === name && m.origin === "web" ? "msg-mine" : "" },
      h("div.msg-head", null, h("span.msg-user", { text: m.user }), h("span.msg-origin", { text: m.origin === "tcp" ? "terminal" : "web" }), h("time.msg-time", { text: clock(m.ts) })),
      h("div.msg-text", { text: m.text }),
    );
  const add = (el: HTMLElement) => {
    const follow = near_bottom();
    log.appendChild(el);
    while (log.children.length > MAX_SHOWN) log.firstElementChild!.remove();
    if (follow) stick();
  };

  socket.on("connect", () => {
    state.dataset.state = "connected";
    state.textContent = `as ${name}`;
  });
  socket.on("disconnect", (reason) => {
    state.dataset.state = "reconnecting";
    state.textContent = "reconnecting…";
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
  });
  // The hub says which name this connection speaks under: with a dashboard token it is the
  // token holder's name from the hub's config, and the name field cannot change it.
  socket.on("name", (given: { name: string; fixed: boolean }) => {
    name = given.name;
    who.value = name;
    who.disabled = given.fixed;
    state.textContent = `as ${name}`;
  });
  socket.on("connect_error", (err: Error) => {
    // A refusal (a name a TCP chat user has, a missing token) stays until the user acts: say why.
    const refused = /name|token|unauthori[sz]ed/i.test(err.message);
    state.dataset.state = refused ? "denied" : "reconnecting";
    state.textContent = refused ? err.message : "reconnecting…";
    if (!refused && !socket.active) setTimeout(() => socket.connect(), 2000);
  });
  socket.on("history", (messages: ChatMessage[]) => {
    log.replaceChildren(...(messages ?? []).slice(-MAX_SHOWN).map(line));
    if (!log.children.length) log.appendChild(h("li.msg-system", { text: "No messages yet. Say hello!" }));
    stick();
  });
  socket.on("message", (m: ChatMessage) => {
    log.querySelector(".msg-system:only-child")?.remove();
    add(line(m));
  });
  socket.on("system", (t: string) => add(h("li.msg-system", { text: t })));

  const rename = () => {
    const next = who.value.trim().slice(0, 32);
    if (!next || next === name) {
      who.value = name;
      return;
    }
    name = next;
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // not kept; fine
    }
    // The name is the connection's auth: reconnect under the new one.
    socket.auth = { name, ...(token ? { token } : {}) };
    socket.disconnect().connect();
  };
  who.addEventListener("change", rename);
  who.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      rename();
      text.focus();
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const message = text.value.trim();
    if (!message) return;
    socket.emit("message", message);
    text.value = "";
  });

  const actions = h("label.chat-who", null, icon("user"), who);
  return card("chat", "Chat", { id: "chat", class: "span-7", actions, subtitle: state }, log, form);
}
