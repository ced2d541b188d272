// A raw TCP client that reads text lines: a device on the line protocol, or a course chat user.
import { connect } from "node:net";

export class LineClient {
  constructor(port, host = "127.0.0.1") {
    this.lines = [];
    this.waiters = [];
    this.buffer = "";
    this.closed = false;
    this.socket = connect({ port, host });
    this.socket.setEncoding("utf8");
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk) => {
      this.buffer += chunk;
      let nl;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ""));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on("error", () => undefined);
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(line) {
    this.socket.write(`${line}\n`);
  }

  // Resolves with the first unread line matching `pattern` (string: exact, RegExp: test), consuming
  // it and everything before it; rejects after `timeout_ms` listing what did arrive.
  async expect(pattern, timeout_ms = 3000) {
    const matches = (line) => (typeof pattern === "string" ? line === pattern : pattern.test(line));
    const deadline = Date.now() + timeout_ms;
    const seen = [];
    for (;;) {
      while (this.lines.length) {
        const line = this.lines.shift();
        seen.push(line);
        if (matches(line)) return line;
      }
      // A prompt such as the chat's "user?" comes without a newline: match the unfinished line too.
      if (this.buffer && matches(this.buffer)) {
        const prompt = this.buffer;
        this.buffer = "";
        return prompt;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        throw new Error(`expected a line ${pattern} within ${timeout_ms} ms; got ${JSON.stringify(seen)}${this.closed ? " (closed)" : ""}`);
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close() {
    this.socket.destroy();
  }
}

// A device: connects, says HELLO and checks the OK.
export async function device(port, hello) {
  const client = new LineClient(port);
  await client.ready;
  client.send(hello);
  await client.expect("OK");
  return client;
}
