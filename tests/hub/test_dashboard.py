"""The /dashboard namespace: snapshot on connect (devices, village, alerts), `device` events as
devices come and go, `telemetry` per reading, `device-message` for free text, and the acks of
`history` (downsampled series), `devices`, `alerts`, `follow`/`unfollow`, with errors for bad
requests."""

import json
import os
import sys
import threading
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, wait_until  # noqa: E402

CONFIG = """
[[village.alleys]]
name = "Gang Mawar"
light_sensor = "light-mawar"
group = "mawar"
lamps = ["lamp-extra"]
on_below = 30
off_above = 60
schedule = { on = "18:00", off = "05:30" }

[[village.greenhouses]]
name = "GH"
device = "gh-1"
temp = { min = 18, max = 32 }
on_hum_low = "kran-buka"
"""


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def setUp(self):
        self.events = []
        self.lock = threading.Lock()
        self.client = socketio.Client()
        for event in ("snapshot", "device", "telemetry", "device-message", "alert",
                      "command-status"):
            self.client.on(event, self.recorder(event), namespace="/dashboard")
        self.client.connect(self.hub.url, namespaces=["/dashboard"])

    def tearDown(self):
        self.client.disconnect()

    def recorder(self, event):
        def record(data):
            with self.lock:
                self.events.append((event, data))
        return record

    def wait_event(self, event, predicate=lambda data: True):
        def find():
            with self.lock:
                return [d for e, d in self.events if e == event and predicate(d)]
        return wait_until(find, what=f"{event}: have {self.events[-8:]}")

    def call(self, event, data):
        return self.client.call(event, data, namespace="/dashboard", timeout=10)

    def test_snapshot_on_connect(self):
        snapshot = self.wait_event("snapshot")[0]
        self.assertIsInstance(snapshot["devices"], list)
        self.assertIsInstance(snapshot["alerts"], list)
        alley = snapshot["village"]["alleys"][0]
        self.assertEqual(alley["name"], "Gang Mawar")
        self.assertEqual(alley["light_sensor"], "light-mawar")
        self.assertEqual(alley["group"], "mawar")
        self.assertIn("lamp-extra", alley["lamps"])
        self.assertEqual((alley["on_below"], alley["off_above"]), (30, 60))
        self.assertEqual(alley["schedule"], {"on": "18:00", "off": "05:30"})
        self.assertEqual(snapshot["village"]["greenhouses"],
                         [{"name": "GH", "device": "gh-1", "temp": {"min": 18, "max": 32},
                           "commands": {"fan_on": "fan-on", "fan_off": "fan-off",
                                        "pump_on": "kran-buka", "pump_off": "pump-off"}}])

    def test_device_events_and_telemetry(self):
        self.wait_event("snapshot")
        # (dash-1 is in no lamp group: the alley's schedule never sends it anything.)
        with self.hub.device("dash-1", attrs="group=gh kind=sensor") as dev, \
                self.hub.device("dash-lamp", attrs="group=mawar kind=lamp"):
            came = self.wait_event("device", lambda d: d["id"] == "dash-1" and d["online"])[0]
            self.assertEqual(came["group"], "gh")
            self.assertEqual(came["kind"], "sensor")
            self.assertEqual(dev.request("temp=21.5 hum=60"), "OK")
            telemetry = self.wait_event("telemetry", lambda d: d["device"] == "dash-1")[0]
            self.assertEqual(telemetry["values"], {"temp": 21.5, "hum": 60})
            self.assertIsInstance(telemetry["ts"], int)
            self.wait_event("device", lambda d: d["id"] == "dash-1" and d["latest"].get("temp") == 21.5)
            self.assertEqual(dev.request("Hai from ESP8266"), "OK")
            text = self.wait_event("device-message", lambda d: d["device"] == "dash-1")[0]
            self.assertEqual(text["text"], "Hai from ESP8266")
            # A new dashboard sees the device online in its snapshot; the village lists the lamp.
            late = socketio.Client()
            snaps = []
            late.on("snapshot", lambda d: snaps.append(d), namespace="/dashboard")
            late.connect(self.hub.url, namespaces=["/dashboard"])
            try:
                snap = wait_until(lambda: snaps, what="late snapshot")[0]
                self.assertTrue([d for d in snap["devices"] if d["id"] == "dash-1" and d["online"]])
                self.assertIn("dash-lamp", snap["village"]["alleys"][0]["lamps"])
                self.assertNotIn("dash-1", snap["village"]["alleys"][0]["lamps"])
            finally:
                late.disconnect()
        self.wait_event("device", lambda d: d["id"] == "dash-1" and not d["online"])

    def test_history_is_downsampled(self):
        values = [10, 20, 30, 40, 50, 60, 70, 80]
        with self.hub.device("hist-1") as dev:
            for v in values:
                self.assertEqual(dev.request(f"temp={v} hum={v / 10}"), "OK")
        rows = self.hub.readings("hist-1")
        first, last = rows[0]["ts"], rows[-1]["ts"]
        ack = self.call("history", {"device": "hist-1", "from": first - 1000, "to": last + 1000})
        self.assertTrue(ack["ok"], ack)
        self.assertEqual(ack["device"], "hist-1")
        self.assertEqual(set(ack["series"]), {"temp", "hum"})
        temp = ack["series"]["temp"]
        for bucket in temp:
            self.assertEqual(len(bucket), 4)  # [ts, avg, min, max]
            ts, avg, low, high = bucket
            self.assertTrue(low <= avg <= high, bucket)
            self.assertTrue(first - 1000 <= ts <= last + 1000, bucket)
        self.assertEqual(min(b[2] for b in temp), 10)
        self.assertEqual(max(b[3] for b in temp), 80)
        one = self.call("history", {"device": "hist-1", "from": first - 1000, "to": last + 1000,
                                    "points": 1})
        self.assertEqual(len(one["series"]["temp"]), 1)
        self.assertEqual(one["series"]["temp"][0][1:], [45, 10, 80])
        two = self.call("history", {"device": "hist-1", "from": first, "to": last, "points": 2})
        self.assertLessEqual(len(two["series"]["temp"]), 2)
        default = self.call("history", {"device": "hist-1"})  # the last hour
        self.assertTrue(default["ok"])
        self.assertEqual(max(b[3] for b in default["series"]["temp"]), 80)
        empty = self.call("history", {"device": "hist-1", "from": 0, "to": 1})
        self.assertEqual(empty["series"], {})
        for bad in ({"device": "ghost"}, {}, {"device": "hist-1", "from": 10, "to": 5}, "hist-1"):
            ack = self.call("history", bad)
            self.assertEqual(ack["ok"], False, bad)
            self.assertTrue(ack["error"], bad)

    def test_history_times_at_the_int64_ends_are_bounded(self):
        # "to" minus the default hour overflowed for a "to" near the int64 minimum (UBSan). Times
        # from a client are now kept within a JavaScript Date's range, +-8.64e15 ms.
        int64_min, int64_max, js_max = -2**63, 2**63 - 1, 8_640_000_000_000_000
        with self.hub.device("hist-ends") as dev:
            self.assertEqual(dev.request("temp=21"), "OK")
        low = self.call("history", {"device": "hist-ends", "to": int64_min})
        self.assertEqual(low, {"ok": True, "device": "hist-ends", "from": -js_max, "to": -js_max,
                               "series": {}})
        wide = self.call("history", {"device": "hist-ends", "from": int64_min, "to": int64_max})
        self.assertTrue(wide["ok"], wide)
        self.assertEqual((wide["from"], wide["to"]), (-js_max, js_max))
        self.assertEqual([b[1] for b in wide["series"]["temp"]], [21])
        late = self.call("history", {"device": "hist-ends", "from": int64_max})
        self.assertEqual(late, {"ok": False, "error": "from is after to"})

    def test_devices_alerts_follow_acks(self):
        with self.hub.device("ack-1"):
            devices = self.call("devices", None)
            self.assertTrue(devices["ok"])
            self.assertIn("ack-1", [d["id"] for d in devices["devices"]])
        alerts = self.call("alerts", {"limit": 5})
        self.assertEqual(alerts["ok"], True)
        self.assertIsInstance(alerts["alerts"], list)
        self.assertEqual(self.call("follow", {"device": "ack-1"}), {"ok": True})
        self.assertEqual(self.call("unfollow", {"device": "ack-1"}), {"ok": True})
        for bad in ({}, {"device": ""}, "ack-1", None):
            ack = self.call("follow", bad)
            self.assertEqual(ack["ok"], False, bad)

    def test_commands_of_a_device(self):
        # The device panel's list: the stored commands, newest first, with state and reply.
        with self.hub.device("cmd-1") as dev:
            first = self.call("command", {"to": "cmd-1", "command": "one"})["commands"][0]
            self.assertEqual(dev.read_line(), "one")
            dev.send("OK one done\n")
            self.wait_event("command-status", lambda c: c["id"] == first["id"] and c["state"] == "acked")
            second = self.call("command", {"to": "cmd-1", "command": "two"})["commands"][0]
            self.assertEqual(dev.read_line(), "two")
            dev.send("ERR two broke\n")
            self.wait_event("command-status", lambda c: c["id"] == second["id"] and c["state"] == "failed")
        self.wait_event("device", lambda d: d["id"] == "cmd-1" and not d["online"])
        third = self.call("command", {"to": "cmd-1", "command": "three"})["commands"][0]
        self.assertEqual(third["state"], "queued")
        ack = self.call("commands", {"device": "cmd-1"})
        self.assertTrue(ack["ok"], ack)
        self.assertEqual(ack["device"], "cmd-1")
        listed = [(c["command"], c["state"], c.get("reply")) for c in ack["commands"]]
        self.assertEqual(listed, [("three", "queued", None), ("two", "failed", "ERR two broke"),
                                  ("one", "acked", "OK one done")])
        self.assertEqual([c["command"] for c in self.call("commands", {"device": "cmd-1", "limit": 1})["commands"]],
                         ["three"])
        for bad in ({"device": "ghost"}, {}, "cmd-1", None):
            ack = self.call("commands", bad)
            self.assertEqual(ack["ok"], False, bad)
            self.assertTrue(ack["error"], bad)

    def test_greenhouse_alert_event(self):
        self.wait_event("snapshot")
        with self.hub.device("gh-1") as gh:
            self.assertEqual(gh.request("temp=40"), "OK")
            self.assertEqual(gh.read_line(), "fan-on")
        alert = self.wait_event("alert", lambda a: a["rule"] == "greenhouse:GH")[0]
        self.assertEqual(alert["device"], "gh-1")
        self.assertEqual(alert["value"], 40)
        for key in ("id", "ts", "message"):
            self.assertIn(key, alert)
        status = self.wait_event("command-status", lambda c: c["device"] == "gh-1")[0]
        self.assertEqual(status["command"], "fan-on")
        self.assertEqual(status["source"], "rule")


class DashboardPage(unittest.TestCase):
    """With thousands of devices the snapshot is a page ([dashboard] snapshot_devices): the most
    recently seen devices and the village's, with the hub's counts; find-devices finds the rest."""

    CONFIG = """
[limits.devices]
new_device_burst = 5000

[[village.greenhouses]]
name = "GH"
device = "gh-old"
"""

    def test_snapshot_is_a_page_and_find_devices_the_rest(self):
        with Hub(self.CONFIG) as hub:
            # The village's devices are the oldest; then 2 000 others.
            for device_id, attrs in (("gh-old", "kind=sensor"), ("lamp-old", "kind=lamp")):
                with hub.device(device_id, attrs=attrs):
                    pass
            for i in range(2000):
                with hub.device(f"bulk-{i:04d}", attrs="kind=sensor"):
                    pass
            with hub.device("live-1", attrs="kind=sensor"):
                wait_until(lambda: hub.get_json("/healthz")["devices_online"] == 1,
                           what="the closed devices offline")
                client = socketio.Client()
                snaps = []
                client.on("snapshot", snaps.append, namespace="/dashboard")
                client.connect(hub.url, namespaces=["/dashboard"])
                try:
                    snap = wait_until(lambda: snaps, what="snapshot")[0]
                    size = len(json.dumps(snap, separators=(",", ":")))
                    self.assertLess(size, 60_000)
                    ids = [d["id"] for d in snap["devices"]]
                    self.assertEqual(len(ids), 202)  # the page, and the two village devices
                    self.assertEqual(len(set(ids)), len(ids))
                    self.assertEqual(ids[0], "live-1")  # online first
                    self.assertIn("bulk-1999", ids)
                    self.assertNotIn("bulk-0000", ids)
                    self.assertIn("gh-old", ids)
                    self.assertIn("lamp-old", ids)
                    self.assertEqual((snap["device_count"], snap["online_count"]), (2003, 1))
                    self.assertEqual(snap["next_offset"], 200)

                    def call(event, data=None):
                        return client.call(event, data, namespace="/dashboard", timeout=10)

                    found = call("find-devices", {"q": "BULK-0000"})
                    self.assertEqual([d["id"] for d in found["devices"]], ["bulk-0000"])
                    self.assertEqual((found["total"], found["next_offset"]), (1, None))
                    more = call("find-devices", {"offset": 200, "limit": 500})
                    self.assertEqual(len(more["devices"]), 500)
                    self.assertEqual((more["total"], more["next_offset"]), (2003, 700))
                    self.assertFalse(set(ids[:200]) & {d["id"] for d in more["devices"]})
                    past = call("find-devices", {"offset": 2**62, "limit": 10**9})
                    self.assertEqual((past["devices"], past["total"], past["next_offset"]),
                                     ([], 2003, None))
                    first = call("find-devices", None)
                    self.assertEqual([d["id"] for d in first["devices"]], ids[:50])
                    self.assertEqual(call("device-counts"), {"ok": True, "devices": 2003, "online": 1})
                finally:
                    client.disconnect()


if __name__ == "__main__":
    unittest.main(verbosity=2)
