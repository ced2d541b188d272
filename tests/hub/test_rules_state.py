"""Issue 11 item 4: rules that hold a state. A lamp that connects at night gets its alley's state
at once; the dashboard's "All off" (event `lamps-off`) goes to lamps only and, at night, is an
override with an end ([rules] override_duration) shown in `village-state`; a greenhouse fan stays
switched for min_switch_time, so a wobbling temperature is one alert per episode."""

import os
import sys
import threading
import time
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, query, wait_until  # noqa: E402

CONFIG = """
[rules]
override_duration = 3

[[village.alleys]]
name = "Gang 1"
light_sensor = "light-gang-1"
group = "gang-1"
on_below = 50
off_above = 400

[[village.greenhouses]]
name = "Greenhouse 1"
device = "greenhouse-1"
temp = { min = 18, max = 32 }
min_switch_time = 2
"""


class RulesHoldState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def setUp(self):
        self.states = []
        self.lock = threading.Lock()
        self.dashboard = socketio.Client()

        def on_state(state):
            with self.lock:
                self.states.append(state)

        self.dashboard.on("village-state", on_state, namespace="/dashboard")
        self.dashboard.connect(self.hub.url, namespaces=["/dashboard"])

    def tearDown(self):
        self.dashboard.disconnect()

    def marker_next(self, device):
        """The next line `device` sees is a marker sent now: nothing else was sent before it."""
        self.hub.post_json("/api/commands", {"to": device.id, "command": "marker"})
        self.take(device, "marker")

    def take(self, device, command, timeout=5):
        """`device` receives `command` next and acknowledges it, as the course's sketches do."""
        self.assertEqual(device.read_line(timeout=timeout), command)
        device.send("OK\n")

    def gang1(self):
        with self.lock:
            return self.states[-1]["alleys"][0] if self.states else None

    def test_night_state_all_off_override_and_its_end(self):
        sensor = self.hub.device("light-gang-1", attrs="kind=light")
        early = self.hub.device("lamp-1-a", attrs="group=gang-1 kind=lamp")
        greenhouse = self.hub.device("greenhouse-1", attrs="kind=greenhouse")
        try:
            self.assertEqual(sensor.request("light=10"), "OK")  # night falls
            self.take(early, "lamp-on")
            wait_until(lambda: (self.gang1() or {}).get("lamps_on") is True, what="state on")
            # A lamp that connects at night gets the alley's state at once, and only once.
            late = self.hub.device("lamp-1-b", attrs="group=gang-1 kind=lamp")
            self.take(late, "lamp-on")
            self.marker_next(late)
            late.close()
            # ... and so does one that reconnects.
            late = self.hub.device("lamp-1-b", attrs="group=gang-1 kind=lamp")
            self.take(late, "lamp-on")

            # "All off" by hand: the lamps go off, the greenhouse and the sensor get nothing.
            reply = self.dashboard.call("lamps-off", {}, namespace="/dashboard")
            self.assertTrue(reply["ok"], reply)
            self.assertEqual(reply["lamps"], 2)
            alley = reply["alleys"][0]
            self.assertTrue(alley["overridden"])
            self.assertIs(alley["lamps_on"], False)
            self.assertGreater(alley["override_until"], time.time() * 1000)
            for lamp in (early, late):
                self.take(lamp, "lamp-off")
            self.marker_next(greenhouse)
            self.marker_next(sensor)
            wait_until(lambda: (self.gang1() or {}).get("overridden") is True, what="overridden")
            # During the override a lamp that reconnects stays off; more dark readings change
            # nothing.
            late.close()
            late = self.hub.device("lamp-1-b", attrs="group=gang-1 kind=lamp")
            self.take(late, "lamp-off")
            self.assertEqual(sensor.request("light=5"), "OK")
            self.marker_next(early)
            # override_duration (3 s) later the rule has the lamps again: on, it is still night.
            self.take(early, "lamp-on", timeout=10)
            self.take(late, "lamp-on", timeout=10)
            wait_until(lambda: self.gang1() == {"name": "Gang 1", "overridden": False,
                                                "lamps_on": True, "override_until": None},
                       what=f"override ended: {self.gang1()}")
            alerts = [a["message"] for a in self.hub.get_json("/api/alerts?limit=100")["alerts"]
                      if a["rule"] == "alley:Gang 1"]
            self.assertTrue(any("off by hand" in m for m in alerts), alerts)
            self.assertTrue(any("manual off ended" in m for m in alerts), alerts)
            late.close()
        finally:
            for device in (sensor, early, greenhouse):
                device.close()

    def test_greenhouse_fan_keeps_its_minimum_time(self):
        with self.hub.device("greenhouse-1", attrs="kind=greenhouse") as gh:
            self.assertEqual(gh.request("temp=35"), "OK")
            self.take(gh, "fan-on")
            started = time.monotonic()
            # Flapping around the range for less than min_switch_time: nothing is switched.
            for temp in (20, 35, 20, 33, 25):
                self.assertEqual(gh.request(f"temp={temp}"), "OK")
            self.assertLess(time.monotonic() - started, 1.9, "too slow to test min_switch_time")
            self.marker_next(gh)
            time.sleep(max(0.0, 2.1 - (time.monotonic() - started)))
            self.assertEqual(gh.request("temp=25"), "OK")
            self.take(gh, "fan-off")
        alerts = [a["message"] for a in self.hub.get_json("/api/alerts?limit=100")["alerts"]
                  if a["rule"] == "greenhouse:Greenhouse 1"]
        self.assertEqual(len([m for m in alerts if "above 32" in m]), 1, alerts)
        self.assertEqual(len([m for m in alerts if "back within" in m]), 1, alerts)
        rows = query(self.hub, "SELECT command FROM commands WHERE device_id = 'greenhouse-1' "
                               "AND source = 'rule' ORDER BY id")
        self.assertEqual(rows, [("fan-on",), ("fan-off",)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
