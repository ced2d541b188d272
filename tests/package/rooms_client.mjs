// Drives examples/standalone's rooms-server with the official socket.io-client: two clients join
// a room (acks with the member count), one says something, the other hears it; a third client
// outside the room hears nothing. Exits 1 with the reason on failure.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.NODE_PATH, "noop.js"));
const { io } = require("socket.io-client");
const url = process.argv[2];
const timeout = setTimeout(() => fail("timed out"), 10000);

function fail(why) {
  console.error(`FAIL: ${why}`);
  process.exit(1);
}
const connect = () =>
  new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], reconnection: false });
    s.on("connect", () => resolve(s));
    s.on("connect_error", reject);
  });

const [a, b, outsider] = await Promise.all([connect(), connect(), connect()]);
const first = await a.timeout(5000).emitWithAck("join", "garden");
const second = await b.timeout(5000).emitWithAck("join", "garden");
if (first.joined !== "garden" || first.members !== 1) fail(`first join: ${JSON.stringify(first)}`);
if (second.members !== 2) fail(`second join: ${JSON.stringify(second)}`);
const bad = await outsider.timeout(5000).emitWithAck("join", "");
if (!bad.error) fail(`an empty room name was accepted: ${JSON.stringify(bad)}`);
let outsiderHeard = false;
outsider.on("said", () => (outsiderHeard = true));
const heard = new Promise((resolve) => b.once("said", resolve));
const ack = await a.timeout(5000).emitWithAck("say", "garden", "the tomatoes are red");
if (!ack.ok) fail(`say: ${JSON.stringify(ack)}`);
if ((await heard) !== "the tomatoes are red") fail("b heard something else");
await new Promise((r) => setTimeout(r, 200));
if (outsiderHeard) fail("a client outside the room heard it");
console.log("rooms-server: join acks, room delivery and the outsider check are right");
for (const s of [a, b, outsider]) s.close();
clearTimeout(timeout);
