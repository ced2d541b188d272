// feature-server "/" driven by socket.io-client over HTTP long-polling only.
import { feature_suite } from "../lib/feature_suite.mjs";

feature_suite("feature-server over polling", { transports: ["polling"] }, "polling");
