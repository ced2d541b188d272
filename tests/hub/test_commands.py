"""Commands to devices: from the REST API (both routes), the dashboard (Socket.IO ack) and the CLI
(`soket command`), written as exactly `<command>\\n`; to groups and to everyone; queued for an
offline device, kept across a server crash and delivered in order on reconnect; the device's
`OK`/`ERR` reply recorded; bad commands refused with a JSON error body."""

import json
import os
import subprocess
import sys
import threading
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, error_body, query, soket_binary, wait_until  # noqa: E402


def command_rows(hub, device):
    return query(hub, "SELECT command, state, reply, source FROM commands WHERE device_id = ? "
                      "ORDER BY id", (device,))


class Commands(unittest.TestCase):
    def setUp(self):
        self.hub = Hub()
        self.dashboard = socketio.Client()
        self.statuses = []
        self.lock = threading.Lock()

        def on_status(command):
            with self.lock:
                self.statuses.append(command)

        self.dashboard.on("command-status", on_status, namespace="/dashboard")
        self.dashboard.connect(self.hub.url, namespaces=["/dashboard"])

    def tearDown(self):
        self.dashboard.disconnect()
        self.hub.close()

    def wait_status(self, device, command, state):
        def find():
            with self.lock:
                return [s for s in self.statuses
                        if s["device"] == device and s["command"] == command and s["state"] == state]
        return wait_until(find, what=f"command-status {device} {command} {state}: {self.statuses}")[0]

    def test_every_source_reaches_an_online_device_as_one_line(self):
        with self.hub.device("lamp-1") as lamp:
            result = self.hub.post_json("/api/commands", {"to": "lamp-1", "command": "led-on"})
            self.assertEqual(result["ok"], True)
            self.assertEqual(len(result["commands"]), 1)
            self.assertEqual(result["commands"][0]["state"], "sent")
            self.assertEqual(result["commands"][0]["source"], "rest")
            self.assertEqual(lamp.read_line(), "led-on")

            result = self.hub.post_json("/api/devices/lamp-1/commands", {"command": "lamp-off"})
            self.assertEqual(result["commands"][0]["state"], "sent")
            self.assertEqual(lamp.read_line(), "lamp-off")

            ack = self.dashboard.call("command", {"to": "lamp-1", "command": "led-on"},
                                      namespace="/dashboard", timeout=10)
            self.assertTrue(ack["ok"], ack)
            self.assertEqual(ack["commands"][0]["state"], "sent")
            self.assertEqual(ack["commands"][0]["source"], "dashboard")
            self.assertEqual(lamp.read_line(), "led-on")

            cli = subprocess.run([soket_binary(), "command", "--to", "lamp-1", "--http-port",
                                  str(self.hub.http_port), "led-on"],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertIn("lamp-1", cli.stdout)
            self.assertIn("sent", cli.stdout)
            self.assertEqual(lamp.read_line(), "led-on")
            # Exactly these bytes: the sketch compares whole lines, so never "\r\n".
            self.assertEqual(lamp.raw, b"OK\nled-on\nlamp-off\nled-on\nled-on\n")
            self.assertEqual([r[3] for r in command_rows(self.hub, "lamp-1")],
                             ["rest", "rest", "dashboard", "cli"])

            # The device's replies are recorded with the commands, oldest first.
            for _ in range(3):
                lamp.send("OK\n")
            lamp.send("ERR no such pin\n")
            self.wait_status("lamp-1", "led-on", "failed")
            wait_until(lambda: [r[1] for r in command_rows(self.hub, "lamp-1")] ==
                       ["acked", "acked", "acked", "failed"],
                       what=f"states: {command_rows(self.hub, 'lamp-1')}")
            acked = self.wait_status("lamp-1", "lamp-off", "acked")
            self.assertEqual(acked["reply"], "OK")
            self.assertIn("acked", acked)
            # A reply is never answered (the device would see a stray line).
            lamp.send("temp=1\n")
            self.assertEqual(lamp.read_line(), "OK")

    def test_groups_and_everyone(self):
        with self.hub.device("lamp-a", attrs="group=gang-1") as a, \
                self.hub.device("lamp-b", attrs="group=gang-1") as b, \
                self.hub.device("fan-c", attrs="group=gh") as c:
            result = self.hub.post_json("/api/commands", {"to": "group:gang-1", "command": "lamp-on"})
            self.assertEqual(sorted(x["device"] for x in result["commands"]), ["lamp-a", "lamp-b"])
            self.assertEqual(a.read_line(), "lamp-on")
            self.assertEqual(b.read_line(), "lamp-on")
            result = self.hub.post_json("/api/commands", {"to": "*", "command": "reboot now"})
            self.assertEqual(len(result["commands"]), 3)
            for dev in (a, b, c):
                self.assertEqual(dev.read_line(), "reboot now")
            self.assertEqual(c.raw, b"OK\nreboot now\n")
            result = self.hub.post_json("/api/commands", {"to": "group:nobody", "command": "x"})
            self.assertEqual(result["commands"], [])

    def test_offline_device_gets_its_queue_in_order_after_a_crash(self):
        with self.hub.device("lamp-9", attrs="group=gang-2"):
            pass
        wait_until(lambda: not self.hub.devices()["lamp-9"]["online"], what="lamp-9 offline")
        sent = ["lamp-on", "led-on", "lamp-off"]
        result = self.hub.post_json("/api/commands", {"to": "lamp-9", "command": sent[0]})
        self.assertEqual(result["commands"][0]["state"], "queued")
        result = self.hub.post_json("/api/devices/lamp-9/commands", {"command": sent[1]})
        self.assertEqual(result["commands"][0]["state"], "queued")
        ack = self.dashboard.call("command", {"to": "group:gang-2", "command": sent[2]},
                                  namespace="/dashboard", timeout=10)
        self.assertEqual([c["state"] for c in ack["commands"]], ["queued"])
        self.wait_status("lamp-9", "lamp-off", "queued")

        self.dashboard.disconnect()
        self.hub.kill()  # SIGKILL: the queue was committed before the 202 / the ack
        self.hub.start(same_ports=True)
        self.assertEqual([r[:2] for r in command_rows(self.hub, "lamp-9")],
                         [(c, "queued") for c in sent])
        self.dashboard = socketio.Client()
        self.dashboard.on("command-status", lambda c: self.statuses.append(c), namespace="/dashboard")
        self.dashboard.connect(self.hub.url, namespaces=["/dashboard"])

        with self.hub.device("lamp-9") as lamp:
            self.assertEqual([lamp.read_line() for _ in sent], sent)
            self.assertEqual(lamp.raw, b"OK\n" + b"".join(c.encode() + b"\n" for c in sent))
            for _ in sent:
                lamp.send("ACK done\n")
            wait_until(lambda: [r[1] for r in command_rows(self.hub, "lamp-9")] == ["acked"] * 3,
                       what=f"acked: {command_rows(self.hub, 'lamp-9')}")
            self.assertEqual([r[2] for r in command_rows(self.hub, "lamp-9")], ["ACK done"] * 3)
        # Delivered once: a reconnect does not send them again.
        with self.hub.device("lamp-9") as lamp:
            lamp.send("temp=3\n")
            self.assertEqual(lamp.read_line(), "OK")
            self.assertEqual(lamp.raw, b"OK\nOK\n")

    def test_bad_commands_are_refused(self):
        with self.hub.device("lamp-1") as lamp:
            cases = [
                ("/api/commands", {"to": "lamp-1", "command": ""}, 400),
                ("/api/commands", {"to": "lamp-1"}, 400),
                ("/api/commands", {"to": "lamp-1", "command": "led-on\nreboot"}, 400),
                ("/api/commands", {"to": "lamp-1", "command": "led\r"}, 400),
                ("/api/commands", {"to": "lamp-1", "command": "x" * 300}, 400),
                ("/api/commands", {"to": "no-such-lamp", "command": "led-on"}, 400),
                ("/api/commands", {"to": "group:", "command": "led-on"}, 400),
                ("/api/commands", {"command": "led-on"}, 400),
                ("/api/commands", {"to": 5, "command": "led-on"}, 400),
                ("/api/devices/no-such-lamp/commands", {"command": "led-on"}, 404),
                ("/api/devices/lamp-1/commands", {"command": "a\tb"}, 400),
                ("/api/devices/lamp-1/commands", ["led-on"], 400),
            ]
            for path, body, want in cases:
                status, _, data = self.hub.http("POST", path, body=body)
                self.assertEqual(status, want, (path, body, data))
                error_body(self, data)
            status, _, data = self.hub.http("POST", "/api/commands", body="{not json",
                                            headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400)
            self.assertEqual(error_body(self, data)["code"], "bad_json")
            for bad in ({"to": "lamp-1", "command": ""}, {"to": "ghost", "command": "x"}, "nope"):
                ack = self.dashboard.call("command", bad, namespace="/dashboard", timeout=10)
                self.assertEqual(ack["ok"], False, (bad, ack))
                self.assertTrue(ack["error"], ack)
            cli = subprocess.run([soket_binary(), "command", "--to", "ghost", "--http-port",
                                  str(self.hub.http_port), "led-on"],
                                 capture_output=True, text=True, timeout=30)
            self.assertNotEqual(cli.returncode, 0)
            self.assertIn("ghost", cli.stderr)
            # Nothing reached the device, and it still works.
            self.assertEqual(lamp.request("temp=1"), "OK")
            self.assertEqual(lamp.raw, b"OK\nOK\n")
        self.assertEqual(command_rows(self.hub, "lamp-1"), [])
        self.assertEqual(json.loads(self.hub.http("GET", "/healthz")[2])["status"], "ok")


class OperatorTerminal(unittest.TestCase):
    """As in the course (Praktikum 2), the operator types commands at the server's terminal."""

    def test_lines_typed_at_the_server_reach_the_devices(self):
        with Hub(tty_stdin=True) as hub:
            wait_until(lambda: b"Type a command" in hub.stdout, what=f"the prompt: {hub.stdout!r}")
            with hub.device("lamp-1") as lamp, hub.device("lamp-2") as other:
                hub.type("led-on")
                self.assertEqual(lamp.read_line(), "led-on")
                self.assertEqual(other.read_line(), "led-on")
                hub.type("@lamp-2 lamp-off")
                self.assertEqual(other.read_line(), "lamp-off")
                hub.type("@ghost led-on")
                wait_until(lambda: b"error: unknown device 'ghost'" in hub.stdout,
                           what=f"the error: {hub.stdout!r}")
                hub.type("@lamp-1 lamp-on")
                self.assertEqual(lamp.read_line(), "lamp-on")
                self.assertEqual(lamp.raw, b"OK\nled-on\nlamp-on\n")
                self.assertEqual(other.raw, b"OK\nled-on\nlamp-off\n")
                self.assertEqual({r[3] for r in command_rows(hub, "lamp-1")}, {"stdin"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
