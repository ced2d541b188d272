"""The device gateway: HELLO with attributes, key=value and JSON readings acknowledged after the
commit, free text, malformed and over-long lines (ERR, connection still usable, others unaffected),
UDP datagrams, and device tokens (bad token refused and closed, readings without HELLO refused)."""

import os
import json
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, LineClient, query, udp_request, wait_until  # noqa: E402

AUTH_CONFIG = """
[auth.devices]
"lamp-1" = "lamp-secret"
"*" = "village-secret"
"""


class DeviceProtocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def test_hello_with_attributes_and_readings(self):
        with self.hub.device("sensor-a", attrs="group=gang-9 kind=light name=Sensor_A") as dev:
            devices = self.hub.devices()
            self.assertTrue(devices["sensor-a"]["online"])
            self.assertEqual(devices["sensor-a"]["group"], "gang-9")
            self.assertEqual(devices["sensor-a"]["kind"], "light")
            self.assertEqual(devices["sensor-a"]["name"], "Sensor_A")
            self.assertEqual(devices["sensor-a"]["transport"], "tcp")
            # The OK comes after the commit: the reading is readable as soon as it arrives.
            self.assertEqual(dev.request("temp=27.5 hum=61 light=12"), "OK")
            got = {(r["key"], r["value"]) for r in self.hub.readings("sensor-a")}
            self.assertEqual(got, {("temp", 27.5), ("hum", 61.0), ("light", 12.0)})
            self.assertEqual(dev.request('{"temp": 28, "hum": 60.5, "door": true}'), "OK")
            rows = self.hub.readings("sensor-a")
            self.assertIn(("temp", 28.0), {(r["key"], r["value"]) for r in rows})
            self.assertIn(("door", 1.0), {(r["key"], r["value"]) for r in rows})
            self.assertEqual(dev.request("temp=1;hum=2,light=3"), "OK")
            self.assertEqual(len(self.hub.readings("sensor-a")), 9)
            self.assertEqual(dev.request("Hai from ESP8266"), "OK")
            rows = query(self.hub, "SELECT text FROM text_messages WHERE device_id = 'sensor-a'")
            self.assertEqual(rows, [("Hai from ESP8266",)])
            self.assertEqual(self.hub.devices()["sensor-a"]["latest"]["light"], 3.0)
        wait_until(lambda: not self.hub.devices()["sensor-a"]["online"], what="sensor-a offline")

    def test_malformed_lines_get_err_and_the_connection_stays_usable(self):
        bad = [
            "temp=27.5 hum",          # not key=value
            "temp=",                  # missing value
            "=5",                     # missing key
            "temp=1 temp=2",          # duplicate key
            '{"temp": 1',             # broken JSON
            "{}",                     # no readings
            '{"a b": 1}',             # invalid key
            "HELLO",                  # no id
            "HELLO bad/id",           # invalid id
            "suhu\x01=5",             # control character
        ]
        with self.hub.device("bad-a") as dev, self.hub.device("good-b") as other:
            for line in bad:
                reply = dev.request(line)
                self.assertTrue(reply.startswith("ERR "), (line, reply))
                self.assertGreater(len(reply), 4, line)
                # The connection stays usable, and another device is unaffected.
                self.assertEqual(dev.request("temp=1"), "OK", line)
                self.assertEqual(other.request("temp=2"), "OK", line)
            self.assertEqual(len(self.hub.readings("bad-a")), len(bad))
            self.assertNotIn(b"\r", dev.raw)

    def test_over_long_line_is_refused(self):
        with self.hub.device("long-a") as dev, self.hub.device("long-b") as other:
            dev.send("x=" + "1" * 10000 + "\n")
            reply = dev.read_line()
            self.assertTrue(reply.startswith("ERR") and "long" in reply, reply)
            self.assertEqual(dev.request("temp=5"), "OK")
            self.assertEqual(other.request("temp=6"), "OK")
            # Without a newline too: refused, not buffered without limit. Its bytes are skipped up
            # to the next newline or idle gap (20 ms): pause well beyond the gap before going on.
            dev.send("y" * 20000)
            reply = dev.read_line()
            self.assertTrue(reply.startswith("ERR") and "long" in reply, reply)
            time.sleep(0.5)
            self.assertEqual(dev.request("temp=7"), "OK")
        self.assertEqual([r["value"] for r in self.hub.readings("long-a")], [5.0, 7.0])

    def test_second_hello_with_another_id_is_refused(self):
        with self.hub.device("first-id") as dev:
            reply = dev.request("HELLO second-id")
            self.assertTrue(reply.startswith("ERR"), reply)
            self.assertEqual(dev.request("temp=1"), "OK")
        self.assertEqual(len(self.hub.readings("first-id")), 1)
        self.assertNotIn("second-id", self.hub.devices())

    def test_udp_datagrams(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        try:
            self.assertEqual(udp_request(self.hub, "HELLO udp-1 kind=sensor", sock=sock), "OK\n")
            self.assertEqual(udp_request(self.hub, "temp=21.5 hum=70", sock=sock), "OK\n")
            self.assertEqual(udp_request(self.hub, '{"temp": 22}', sock=sock), "OK\n")
            self.assertTrue(udp_request(self.hub, "temp=", sock=sock).startswith("ERR "))
            self.assertEqual(udp_request(self.hub, "halo lewat udp", sock=sock), "OK\n")
            self.assertEqual(udp_request(self.hub, "temp=23\r\n", sock=sock), "OK\n")
            self.assertEqual(udp_request(self.hub, "x=" + "1" * 6000, sock=sock),
                             "ERR datagram too long\n")
        finally:
            sock.close()
        rows = self.hub.readings("udp-1")
        self.assertEqual(sorted((r["key"], r["value"]) for r in rows),
                         [("hum", 70.0), ("temp", 21.5), ("temp", 22.0), ("temp", 23.0)])
        self.assertEqual(self.hub.devices()["udp-1"]["transport"], "udp")
        # Without HELLO the sender is known by its address.
        self.assertEqual(udp_request(self.hub, "light=300"), "OK\n")
        anonymous = [d for d in self.hub.devices() if d.startswith("udp-127.0.0.1-")]
        self.assertEqual(len(anonymous), 1, anonymous)
        self.assertEqual(self.hub.readings(anonymous[0])[0]["value"], 300.0)
        # "*" means the devices a command can reach now: a UDP sender has no connection, so it is
        # left out instead of collecting commands that stay queued forever.
        status, _, body = self.hub.http("POST", "/api/commands", {"to": "*", "command": "led-on"})
        targets = [c["device"] for c in json.loads(body)["commands"]]
        self.assertNotIn("udp-1", targets)
        self.assertFalse(any(t.startswith("udp-") for t in targets), targets)

    def test_reconnect_replaces_a_half_open_connection(self):
        old = self.hub.device("roamer")
        try:
            with self.hub.device("roamer") as new:
                # The old connection is closed by the hub; commands go to the new one.
                self.assertEqual(old.read_until_closed(), b"")
                self.hub.post_json("/api/commands", {"to": "roamer", "command": "led-on"})
                self.assertEqual(new.read_line(), "led-on")
                self.assertEqual(new.request("temp=1"), "OK")
                self.assertTrue(self.hub.devices()["roamer"]["online"])
        finally:
            old.close()

    # The course's Praktikum 2 sketch connects and only waits for commands: a connection that has
    # sent nothing is still a device for `*` (known by its address).
    def test_silent_connection_gets_commands_for_everyone(self):
        with LineClient(self.hub.tcp_port) as sketch:
            wait_until(lambda: "soket_connections{gateway=\"tcp\"} 1" in
                       self.hub.http("GET", "/metrics")[2].decode(), what="the connection")
            self.hub.post_json("/api/commands", {"to": "*", "command": "led-on"})
            self.assertEqual(sketch.read_line(timeout=3), "led-on")

    def test_many_devices_at_once(self):
        devices = [self.hub.device(f"crowd-{i}") for i in range(40)]
        try:
            for round_ in range(3):
                for dev in devices:
                    dev.send(f"n={round_}\n")
                for dev in devices:
                    self.assertEqual(dev.read_line(), "OK")
            self.assertEqual(sum(d.startswith("crowd-") and v["online"]
                                 for d, v in self.hub.devices().items()), 40)
        finally:
            for dev in devices:
                dev.close()


class DeviceTokens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(AUTH_CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def test_bad_token_is_refused_and_closed_while_others_carry_on(self):
        with self.hub.device("lamp-1", token="lamp-secret") as good:
            self.assertEqual(good.request("lamp=1"), "OK")
            for hello in ("HELLO lamp-1 wrong", "HELLO lamp-1", "HELLO lamp-1 village-secret",
                          "HELLO other-9 lamp-secret"):
                with LineClient(self.hub.tcp_port) as bad:
                    bad.send(hello + "\n")
                    data = bad.read_until_closed()
                    self.assertTrue(data.startswith(b"ERR unauthorized"), (hello, data))
                    self.assertEqual(data.count(b"\n"), 1, data)
                self.assertEqual(good.request("lamp=0"), "OK", hello)
            # The catch-all token admits any other device id.
            with self.hub.device("sensor-7", token="village-secret") as other:
                self.assertEqual(other.request("light=10"), "OK")
        self.assertEqual(len(self.hub.readings("lamp-1")), 5)
        self.assertNotIn("other-9", self.hub.devices())

    def test_a_silent_connection_without_hello_gets_no_commands(self):
        with self.hub.device("lamp-1", token="lamp-secret") as good, \
                LineClient(self.hub.tcp_port) as intruder:
            wait_until(lambda: 'soket_connections{gateway="tcp"} 2' in
                       self.hub.http("GET", "/metrics")[2].decode(), what="both connections")
            result = self.hub.post_json("/api/commands", {"to": "*", "command": "unlock"})
            self.assertEqual([c["device"] for c in result["commands"]], ["lamp-1"])
            self.assertEqual(good.read_line(), "unlock")
            good.send("OK\n")  # answered: not written again when lamp-1 reconnects
            # Had "unlock" been written to the intruder, it would come before this refusal.
            intruder.send("temp=1\n")
            self.assertTrue(intruder.read_line().startswith("ERR unauthorized"), intruder.raw)
        self.assertEqual([d for d in self.hub.devices() if d.startswith("tcp-")], [])

    def test_readings_without_hello_are_refused(self):
        with LineClient(self.hub.tcp_port) as anonymous:
            anonymous.send("temp=30\n")
            reply = anonymous.read_line()
            self.assertTrue(reply.startswith("ERR unauthorized"), reply)
            anonymous.send("Hai from ESP8266")
            reply = anonymous.read_line()
            self.assertTrue(reply.startswith("ERR unauthorized"), reply)
        self.assertEqual([d for d in self.hub.devices() if d.startswith("tcp-")], [])
        self.assertTrue(udp_request(self.hub, "temp=30").startswith("ERR unauthorized"))
        self.assertTrue(udp_request(self.hub, "HELLO udp-x nope").startswith("ERR unauthorized"))
        self.assertEqual(query(self.hub, "SELECT COUNT(*) FROM readings WHERE value = 30")[0][0], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
