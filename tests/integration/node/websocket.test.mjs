// feature-server "/" driven by socket.io-client over the WebSocket transport only.
import { feature_suite } from "../lib/feature_suite.mjs";

feature_suite("feature-server over websocket", { transports: ["websocket"] }, "websocket");
