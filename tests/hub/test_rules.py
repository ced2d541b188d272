"""The village rules with config/village.toml: an alley's light sensor below on_below sends
`lamp-on` to the alley's lamp group once per crossing (not on every dark reading), above off_above
`lamp-off`; a greenhouse leaving its ranges raises an alert (REST and the dashboard's `alert`
event) and sends `fan-on` / `pump-on`, coming back sends `fan-off`."""

import os
import sys
import threading
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import REPO_ROOT, Hub, query, wait_until  # noqa: E402


class VillageRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(REPO_ROOT, "config", "village.toml"), encoding="utf-8") as f:
            # These tests check crossings one reading after another: no minimum switch time.
            text = f.read().replace("hum = { min = 55, max = 90 }\n",
                                    "hum = { min = 55, max = 90 }\nmin_switch_time = 0\n")
            cls.hub = Hub(text)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def setUp(self):
        self.alerts = []
        self.lock = threading.Lock()
        self.dashboard = socketio.Client()

        def on_alert(alert):
            with self.lock:
                self.alerts.append(alert)

        self.dashboard.on("alert", on_alert, namespace="/dashboard")
        self.dashboard.connect(self.hub.url, namespaces=["/dashboard"])

    def tearDown(self):
        self.dashboard.disconnect()

    def expect_lines(self, device, *lines):
        self.assertEqual([device.read_line() for _ in lines], list(lines))

    def test_alley_lamps_follow_the_light_sensor_once_per_crossing(self):
        lamp_a = self.hub.device("lamp-1-a", attrs="group=gang-1 kind=lamp")
        lamp_b = self.hub.device("lamp-1-b", attrs="group=gang-1 kind=lamp")
        other = self.hub.device("lamp-2-a", attrs="group=gang-2 kind=lamp")
        sensor = self.hub.device("light-gang-1", attrs="kind=light")
        try:
            # Dusk: between the thresholds nothing happens; below on_below the lamps go on, once.
            for light, lamps_get in ((300, None), (20, "lamp-on"), (10, None), (45, None),
                                     (100, None), (399, None), (500, "lamp-off"), (450, None),
                                     (401, None), (5, "lamp-on"), (49, None)):
                self.assertEqual(sensor.request(f"light={light}"), "OK")
                if lamps_get:
                    self.expect_lines(lamp_a, lamps_get)
                    self.expect_lines(lamp_b, lamps_get)
            # Nothing else was sent: the next line each lamp sees is a marker sent now.
            self.hub.post_json("/api/commands", {"to": "*", "command": "marker"})
            for lamp in (lamp_a, lamp_b, other):
                self.expect_lines(lamp, "marker")
            self.assertEqual(lamp_a.raw, b"OK\nlamp-on\nlamp-off\nlamp-on\nmarker\n")
            self.assertEqual(other.raw, b"OK\nmarker\n")
            self.assertEqual(sensor.raw, b"OK\n" * 12)
            rows = query(self.hub, "SELECT command FROM commands WHERE device_id = 'lamp-1-a' "
                                   "AND source = 'rule' ORDER BY id")
            self.assertEqual(rows, [("lamp-on",), ("lamp-off",), ("lamp-on",)])
            # Each switch is also noted as an alert of the alley's rule.
            alley = [a for a in self.hub.get_json("/api/alerts?limit=100")["alerts"]
                     if a["rule"] == "alley:Gang 1"]
            self.assertEqual(len(alley), 3, alley)
        finally:
            for device in (lamp_a, lamp_b, other, sensor):
                device.close()

    def test_offline_lamps_get_the_switch_when_they_come_back(self):
        with self.hub.device("lamp-3-a", attrs="group=gang-3"):
            pass
        wait_until(lambda: not self.hub.devices()["lamp-3-a"]["online"], what="lamp-3-a offline")
        with self.hub.device("light-gang-3") as sensor:
            self.assertEqual(sensor.request("light=3"), "OK")
        wait_until(lambda: query(self.hub, "SELECT state FROM commands WHERE device_id = "
                                           "'lamp-3-a'") == [("queued",)], what="queued lamp-on")
        with self.hub.device("lamp-3-a") as lamp:
            self.expect_lines(lamp, "lamp-on")

    def test_greenhouse_ranges_raise_alerts_and_send_commands(self):
        with self.hub.device("greenhouse-1", attrs="kind=greenhouse") as gh:
            self.expect_lines_after(gh, "temp=25 hum=70", [])
            self.expect_lines_after(gh, "temp=35 hum=70", ["fan-on"])
            alert = self.wait_alert("greenhouse:Greenhouse 1", "above 32")
            self.assertEqual(alert["device"], "greenhouse-1")
            self.assertEqual(alert["value"], 35)
            self.expect_lines_after(gh, "temp=36", [])
            self.expect_lines_after(gh, "temp=33.5", [])
            self.expect_lines_after(gh, "temp=25", ["fan-off"])
            self.wait_alert("greenhouse:Greenhouse 1", "back within")
            self.expect_lines_after(gh, "hum=40", ["pump-on"])
            self.wait_alert("greenhouse:Greenhouse 1", "below 55")
            self.expect_lines_after(gh, '{"temp": 24, "hum": 41}', [])
            self.expect_lines_after(gh, "hum=60", ["pump-off"])
            self.expect_lines_after(gh, "temp=10", [])  # too cold: an alert, no command
            self.wait_alert("greenhouse:Greenhouse 1", "below 18")
            self.hub.post_json("/api/commands", {"to": "greenhouse-1", "command": "marker"})
            self.expect_lines(gh, "marker")
        stored = [a for a in self.hub.get_json("/api/alerts?limit=100")["alerts"]
                  if a["rule"] == "greenhouse:Greenhouse 1"]
        self.assertEqual(len(stored), 5, stored)
        rows = query(self.hub, "SELECT command FROM commands WHERE device_id = 'greenhouse-1' "
                               "AND source = 'rule' ORDER BY id")
        self.assertEqual(rows, [("fan-on",), ("fan-off",), ("pump-on",), ("pump-off",)])

    def expect_lines_after(self, device, reading, commands):
        self.assertEqual(device.request(reading), "OK", reading)
        for command in commands:
            self.assertEqual(device.read_line(), command, reading)

    def wait_alert(self, rule, text):
        def find():
            with self.lock:
                return [a for a in self.alerts if a["rule"] == rule and text in a["message"]]
        alert = wait_until(find, what=f"alert {rule} {text}: {self.alerts}")[0]
        rest = self.hub.get_json("/api/alerts?limit=100")["alerts"]
        self.assertIn(alert["id"], [a["id"] for a in rest])
        return alert


if __name__ == "__main__":
    unittest.main(verbosity=2)
