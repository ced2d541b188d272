"""The Arduino library clients/arduino/Soket: the ZIP the Arduino IDE installs has the layout it
needs, and the library's C++ (built on the host against tests/docs/arduino_shim) speaks to a real
`soket serve`: HELLO with a token, readings confirmed, commands run and answered by id, a wrong
token refused. Usage: test_arduino_library.py HOST_DEVICE_BINARY ZIP
"""

import os
import re
import subprocess
import sys
import threading
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hub"))
import hubtest  # noqa: E402

HOST_DEVICE, ZIP = sys.argv[1], sys.argv[2]
TOKEN_CONFIG = '[auth.devices]\n"*" = "s3cret"\n'
# https://arduino.github.io/arduino-cli/latest/library-specification/ (1.5 format)
REQUIRED = ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
            "architectures")
CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control",
              "Timing", "Data Storage", "Data Processing", "Other"}


class ZipLayout(unittest.TestCase):
    def test_layout(self):
        with zipfile.ZipFile(ZIP) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
            self.assertTrue(all(n.startswith("Soket/") for n in names), names)
            for needed in ("Soket/library.properties", "Soket/src/Soket.h", "Soket/src/Soket.cpp"):
                self.assertIn(needed, names)
            examples = {n.split("/")[2] for n in names if n.startswith("Soket/examples/")}
            self.assertGreaterEqual(examples, {"SoketDevice", "SoketSecureDevice"})
            for example in examples:  # the IDE wants <Name>/<Name>.ino
                self.assertIn(f"Soket/examples/{example}/{example}.ino", names)
            props = dict(line.split("=", 1) for line in
                         z.read("Soket/library.properties").decode().splitlines() if "=" in line)
            header = z.read("Soket/src/Soket.h").decode()
        for key in REQUIRED:
            self.assertTrue(props.get(key), f"library.properties needs {key}")
        self.assertEqual(props["name"], "Soket")
        self.assertRegex(props["version"], r"^\d+\.\d+\.\d+$")
        self.assertIn(props["category"], CATEGORIES)
        self.assertEqual(props["includes"], "Soket.h")
        self.assertEqual(set(re.findall(r"#include <([^>]+)>", header)), {"Arduino.h", "Client.h"})


def run_device(hub, device_id, token, seconds, during=None):
    process = subprocess.Popen([HOST_DEVICE, str(hub.tcp_port), device_id, token, str(seconds)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if during:
        during()
    out, err = process.communicate(timeout=seconds + 20)
    if process.returncode != 0:
        raise AssertionError(f"host device exit {process.returncode}: {err}")
    summary = dict(re.findall(r"(\w+)=(\d+)", out.strip().splitlines()[-1]))
    return {k: int(v) for k, v in summary.items()}, out


class HostDevice(unittest.TestCase):
    def test_readings_and_commands(self):
        with hubtest.Hub(config_text=TOKEN_CONFIG) as hub:
            results = {}

            def commands():
                hubtest.wait_until(lambda: hub.devices().get("ard-1", {}).get("online"),
                                   what="the device online")
                for name, command in (("on", "lamp-on"), ("bad", "dance")):
                    sent = hub.post_json("/api/devices/ard-1/commands", {"command": command})
                    cid = sent["commands"][0]["id"]
                    results[name] = hubtest.wait_until(
                        lambda: (c := hub.get_json(f"/api/commands/{cid}"))["state"]
                        in ("acked", "failed") and c, what=command)

            summary, out = run_device(hub, "ard-1", "s3cret", 4, during=commands)
            self.assertEqual(summary["refused"], 0, out)
            self.assertEqual(summary["lamp"], 1, out)
            self.assertGreaterEqual(summary["confirmed"], 10, out)
            self.assertEqual(summary["rejected"], 0, out)
            on, bad = results["on"], results["bad"]
            self.assertEqual((on["state"], on["reply"]), ("acked", f"OK #{on['id']}"))
            self.assertEqual((bad["state"], bad["reply"]),
                             ("failed", f"ERR #{bad['id']} unknown command"))
            device = hub.devices()["ard-1"]
            self.assertEqual((device["group"], device["kind"]), ("host-test", "lamp"))
            self.assertEqual(device["latest"]["temp"], 21.25)
            stored = hubtest.query(hub, "SELECT count(*) FROM readings "
                                        "WHERE device_id = 'ard-1' AND key = 'n'")[0][0]
            # every confirmed reading is stored; the last one may be stored but its OK not read
            # before the device stopped
            self.assertIn(stored, (summary["confirmed"], summary["confirmed"] + 1))

    def test_wrong_token_refused(self):
        with hubtest.Hub(config_text=TOKEN_CONFIG) as hub:
            summary, out = run_device(hub, "ard-2", "wrong", 2)
            self.assertEqual((summary["refused"], summary["confirmed"]), (1, 0), out)
            self.assertEqual(out.count("> HELLO"), 1, out)  # refused: not tried again


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
