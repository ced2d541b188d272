"""The REST API: devices, readings with from/to/limit and CSV, chat, alerts, /healthz, /metrics
(Prometheus text), and every kind of bad request answered with a status and a JSON error body."""

import csv
import io
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, error_body, wait_until  # noqa: E402


def metric(text, name, labels=""):
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    if not match:
        raise AssertionError(f"{name}{labels} not in metrics:\n{text}")
    return float(match.group(1))


class Rest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()
        cls.sensor = cls.hub.device("sensor-r", attrs="kind=sensor")
        # Readings a few milliseconds apart, so that from/to can split them.
        for i in range(6):
            assert cls.sensor.request(f"temp={20 + i} hum={50 + i}") == "OK"
            time.sleep(0.005)
        assert cls.sensor.request('{"note": "hello, \\"world\\""}') == "OK"

    @classmethod
    def tearDownClass(cls):
        cls.sensor.close()
        cls.hub.close()

    def test_devices(self):
        devices = self.hub.get_json("/api/devices")["devices"]
        sensor = [d for d in devices if d["id"] == "sensor-r"][0]
        for key in ("id", "name", "group", "kind", "transport", "address", "online", "first_seen",
                    "last_seen", "latest"):
            self.assertIn(key, sensor)
        self.assertTrue(sensor["online"])
        self.assertEqual(sensor["kind"], "sensor")
        self.assertEqual(sensor["latest"]["temp"], 25.0)
        self.assertLessEqual(sensor["first_seen"], sensor["last_seen"])

    def test_readings_from_to_limit(self):
        body = self.hub.get_json("/api/devices/sensor-r/readings")
        self.assertEqual(body["device"], "sensor-r")
        rows = body["readings"]
        self.assertEqual(len(rows), 13)
        self.assertEqual([r["ts"] for r in rows], sorted(r["ts"] for r in rows))
        self.assertEqual([r["value"] for r in rows if r["key"] == "temp"], [20, 21, 22, 23, 24, 25])
        self.assertEqual([r["text"] for r in rows if r["key"] == "note"], ['hello, "world"'])
        times = sorted({r["ts"] for r in rows})
        lo, hi = times[1], times[-2]
        part = self.hub.get_json(f"/api/devices/sensor-r/readings?from={lo}&to={hi}")["readings"]
        self.assertEqual(part, [r for r in rows if lo <= r["ts"] <= hi])
        self.assertTrue(0 < len(part) < len(rows))
        last = self.hub.get_json("/api/devices/sensor-r/readings?limit=3")["readings"]
        self.assertEqual(last, rows[-3:])
        none = self.hub.get_json(f"/api/devices/sensor-r/readings?to={times[0] - 1}")["readings"]
        self.assertEqual(none, [])
        # Times at the int64 ends are bounded (to a JavaScript Date's range), not refused.
        ends = self.hub.get_json("/api/devices/sensor-r/readings"
                                 f"?from={-2**63}&to={2**63 - 1}")["readings"]
        self.assertEqual(len(ends), len(rows))
        self.hub.get_json(f"/api/devices/sensor-r/readings?from={2**63}", expect=400)

    def test_readings_csv(self):
        status, headers, data = self.hub.http("GET", "/api/devices/sensor-r/readings?format=csv")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/csv"), headers)
        table = list(csv.reader(io.StringIO(data.decode())))
        self.assertEqual(table[0], ["ts", "key", "value", "text"])
        self.assertEqual(len(table), 14)
        temps = [float(r[2]) for r in table[1:] if r[1] == "temp"]
        self.assertEqual(temps, [20, 21, 22, 23, 24, 25])
        self.assertIn(["note", "", 'hello, "world"'], [r[1:] for r in table[1:]])
        status, _, data = self.hub.http("GET", "/api/devices/sensor-r/readings?format=csv&limit=2")
        self.assertEqual(len(data.decode().strip().split("\n")), 3)

    def test_chat_and_alerts_lists(self):
        self.assertEqual(self.hub.get_json("/api/chat"), {"messages": []})
        self.assertEqual(self.hub.get_json("/api/chat?limit=5"), {"messages": []})
        self.assertEqual(self.hub.get_json("/api/alerts?limit=5"), {"alerts": []})

    def test_healthz(self):
        health = self.hub.get_json("/healthz")
        self.assertEqual(health["status"], "ok")
        self.assertGreaterEqual(health["devices_online"], 1)

    def test_metrics(self):
        status, headers, data = self.hub.http("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"), headers)
        text = data.decode()
        self.assertIn("# TYPE soket_connections gauge", text)
        self.assertGreaterEqual(metric(text, "soket_connections", '{gateway="tcp"}'), 1)
        for gateway in ("chat", "socketio", "http"):
            metric(text, "soket_connections", f'{{gateway="{gateway}"}}')
        self.assertGreaterEqual(metric(text, "soket_messages_in_total", '{gateway="tcp"}'), 8)
        self.assertGreaterEqual(metric(text, "soket_messages_out_total", '{gateway="tcp"}'), 8)
        self.assertGreaterEqual(metric(text, "soket_store_batches_total"), 1)
        metric(text, "soket_store_batch_latency_seconds", '{stat="max"}')
        self.assertGreaterEqual(metric(text, "soket_devices_online"), 1)
        # Every sample line belongs to a declared metric.
        declared = set(re.findall(r"^# TYPE (\S+) (?:gauge|counter)$", text, re.M))
        for line in text.splitlines():
            if line and not line.startswith("#"):
                self.assertIn(re.match(r"[a-z_]+", line).group(0), declared, line)
        with self.hub.device("metrics-extra"):
            wait_until(lambda: metric(self.hub.http("GET", "/metrics")[2].decode(),
                                      "soket_connections", '{gateway="tcp"}') >= 2,
                       what="two tcp connections in metrics")

    def expect_error(self, method, path, status, body=None, headers=None):
        got, hdrs, data = self.hub.http(method, path, body=body, headers=headers)
        self.assertEqual(got, status, (method, path, data))
        self.assertTrue(hdrs.get("content-type", "").startswith("application/json"), (path, hdrs))
        return error_body(self, data)

    def test_unknown_resources_404(self):
        self.assertEqual(self.expect_error("GET", "/api/devices/ghost/readings", 404)["code"],
                         "unknown_device")
        self.expect_error("GET", "/api/nothing", 404)
        self.expect_error("GET", "/api/devices/sensor-r", 404)
        self.expect_error("GET", "/api/devices/sensor-r/readings/extra", 404)

    def test_bad_query_params_400(self):
        for query in ("limit=abc", "limit=", "from=1x", "to=soon", "limit=0", "limit=-5",
                      "limit=100000000", "from=20&to=10", "format=xml", "limit=1e3",
                      "from=99999999999999999999999"):
            self.expect_error("GET", f"/api/devices/sensor-r/readings?{query}", 400)
        self.expect_error("GET", "/api/chat?limit=zero", 400)
        self.expect_error("GET", "/api/alerts?limit=0", 400)
        self.expect_error("GET", "/api/chat?limit=-1", 400)

    def test_wrong_method_405(self):
        for method, path in (("POST", "/api/devices"), ("DELETE", "/api/devices/sensor-r/readings"),
                             ("PUT", "/api/commands"), ("GET", "/api/devices/sensor-r/commands"),
                             ("PUT", "/api/chat"), ("POST", "/api/alerts")):
            self.assertEqual(self.expect_error(method, path, 405)["code"], "method_not_allowed")

    def test_malformed_json_body_400(self):
        for body in ("{not json", "", "[1,2]", '"led-on"', '{"to": "sensor-r", "command": "x"'):
            self.expect_error("POST", "/api/commands", 400, body=body,
                              headers={"Content-Type": "application/json"})
            self.expect_error("POST", "/api/devices/sensor-r/commands", 400, body=body,
                              headers={"Content-Type": "application/json"})
        # The server carries on.
        with self.hub.device("after-bad-json") as other:
            self.assertEqual(other.request("temp=1"), "OK")
        json.loads(self.hub.http("GET", "/api/devices")[2])


if __name__ == "__main__":
    unittest.main(verbosity=2)
