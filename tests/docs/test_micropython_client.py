"""clients/micropython/soket_device.py against a real `soket serve`, run under CPython: HELLO with
a token (a wrong one is refused), readings stored, commands run and answered by id, a failing
command answered ERR, reconnecting with backoff after the hub restarts, and TLS to the device port.
The client must stay within what MicroPython has, so its imports are checked too.
"""

import ast
import json
import os
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CLIENT_DIR = os.path.join(REPO, "clients", "micropython")
sys.path.insert(0, os.path.join(HERE, "..", "hub"))
sys.path.insert(0, CLIENT_DIR)
import hubtest  # noqa: E402
import soket_device  # noqa: E402
from test_tls import TestCa  # noqa: E402

TOKEN_CONFIG = '[auth.devices]\n"*" = "s3cret"\n'
MICROPYTHON_MODULES = {"socket", "time", "random", "urandom", "ssl"}


def readings_of(hub, device_id):
    """The device's readings; none while the hub does not know it yet."""
    status, _, body = hub.http("GET", f"/api/devices/{device_id}/readings?limit=100000")
    if status == 404:
        return []
    if status != 200:
        raise AssertionError(f"readings of {device_id}: {status} {body[:200]!r}")
    return json.loads(body)["readings"]


class Lamp:
    def __init__(self):
        self.on = False
        self.runs = []

    def command(self, text):
        self.runs.append(text)
        if text == "lamp-on":
            self.on = True
            return True
        if text == "lamp-off":
            self.on = False
            return True
        return "unknown command: " + text


class RunInBackground:
    """device.run(...) in a thread until stop()."""

    def __init__(self, device, values):
        self.device = device
        self.stop_flag = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(values,), daemon=True)
        self.thread.start()

    def _run(self, values):
        try:
            while not self.stop_flag.is_set():
                self.device.run(values, interval_ms=50, rounds=1)
        except Exception as e:  # noqa: BLE001
            self.error = e

    def stop(self):
        self.stop_flag.set()
        self.thread.join(timeout=20)
        self.device.close()
        if self.error:
            raise self.error


class MicroPythonClient(unittest.TestCase):
    def test_only_micropython_modules(self):
        with open(os.path.join(CLIENT_DIR, "soket_device.py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
        self.assertTrue(imported)
        self.assertLessEqual(imported, MICROPYTHON_MODULES)

    def test_wrong_token_is_refused(self):
        with hubtest.Hub(config_text=TOKEN_CONFIG) as hub:
            device = soket_device.SoketDevice("127.0.0.1", "mp-1", port=hub.tcp_port, token="nope")
            with self.assertRaises(soket_device.Refused) as refused:
                device.connect()
            self.assertTrue(str(refused.exception).startswith("ERR"), str(refused.exception))
            with self.assertRaises(soket_device.Refused):
                device.run(lambda: {"temp": 1}, interval_ms=10, rounds=1)

    def test_readings_commands_and_reconnect(self):
        with hubtest.Hub(config_text=TOKEN_CONFIG) as hub:
            lamp = Lamp()
            counter = iter(range(1, 1_000_000))
            device = soket_device.SoketDevice("127.0.0.1", "mp-lamp", port=hub.tcp_port,
                                              token="s3cret", group="gang-9", kind="lamp",
                                              on_command=lamp.command, backoff_min_ms=50,
                                              backoff_max_ms=400)
            runner = RunInBackground(device, lambda: {"n": next(counter), "lamp": int(lamp.on)})
            try:
                hubtest.wait_until(lambda: len(readings_of(hub, "mp-lamp")) >= 6, what="readings")
                found = hub.devices()["mp-lamp"]
                self.assertEqual((found["group"], found["kind"], found["online"]),
                                 ("gang-9", "lamp", True))

                sent = hub.post_json("/api/devices/mp-lamp/commands", {"command": "lamp-on"})
                cid = sent["commands"][0]["id"]
                done = hubtest.wait_until(
                    lambda: (c := hub.get_json(f"/api/commands/{cid}"))["state"] == "acked" and c,
                    what="lamp-on acked")
                self.assertEqual(done["reply"], f"OK #{cid}")
                self.assertTrue(lamp.on)

                bad = hub.post_json("/api/devices/mp-lamp/commands", {"command": "dance"})
                bid = bad["commands"][0]["id"]
                failed = hubtest.wait_until(
                    lambda: (c := hub.get_json(f"/api/commands/{bid}"))["state"] == "failed" and c,
                    what="dance failed")
                self.assertEqual(failed["reply"], f"ERR #{bid} unknown command: dance")

                before = len(readings_of(hub, "mp-lamp"))
                hub.restart()  # same data dir and ports: the client must come back by itself
                hubtest.wait_until(lambda: len(readings_of(hub, "mp-lamp")) >= before + 5,
                                   timeout=20, what="readings after the restart")
                self.assertTrue(hub.devices()["mp-lamp"]["online"])
                self.assertEqual(lamp.runs.count("lamp-on"), 1)
            finally:
                runner.stop()

    def test_tls_device_port(self):
        ca = TestCa()
        cert, key = ca.issue("devices", 7)
        config = f'[tls]\ncert = "{cert}"\nkey = "{key}"\ndevices = true\n'
        with hubtest.Hub(config_text=config) as hub:
            device = soket_device.SoketDevice("127.0.0.1", "mp-tls", port=hub.tcp_port, tls=ca.ca)
            device.connect()
            self.assertTrue(device.send_reading({"temp": 23.5}))
            device.close()
            # the HTTP port speaks only https:// now: read the store directly
            rows = hubtest.query(hub, "SELECT key, value FROM readings WHERE device_id = 'mp-tls'")
            self.assertEqual(rows, [("temp", 23.5)])

    def test_board_main_with_machine_shim(self):
        """clients/micropython/main.py as on a board (machine/network/dht from micropython_shim)."""
        sys.path.insert(0, os.path.join(HERE, "micropython_shim"))
        import importlib

        board = importlib.import_module("main")
        machine = importlib.import_module("machine")
        with hubtest.Hub() as hub:
            board.SERVER_HOST, board.SERVER_PORT, board.DEVICE_ID = "127.0.0.1", hub.tcp_port, "mp-board"
            board.INTERVAL_MS = 50
            done = threading.Event()
            thread = threading.Thread(target=lambda: (board.main(rounds=40), done.set()), daemon=True)
            thread.start()
            hubtest.wait_until(lambda: readings_of(hub, "mp-board"), what="the board's readings")
            sent = hub.post_json("/api/devices/mp-board/commands", {"command": "lamp-on"})
            cid = sent["commands"][0]["id"]
            hubtest.wait_until(lambda: hub.get_json(f"/api/commands/{cid}")["state"] == "acked",
                               what="lamp-on acked")
            self.assertEqual(machine.Pin.pins[board.LAMP_PIN].value(), 1)
            self.assertTrue(done.wait(20), "main(rounds=40) did not finish")
            latest = hub.devices()["mp-board"]["latest"]
            self.assertEqual((latest["temp"], latest["hum"], latest["lamp"]), (24, 55, 1))


if __name__ == "__main__":
    unittest.main()
