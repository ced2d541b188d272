"""The idle limit of the device gateway: a listen-only device (the course's second sketch, which
connects and only reads commands) is kept while its TCP stack answers keep-alive probes; with
keep-alive off the idle limit bites, is logged and the device goes offline; the limit is set by
flag or by [devices] in soket.toml, and a bad value there is refused with a sentence."""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, LineClient, soket_binary, wait_until  # noqa: E402


class ListenOnlyDevices(unittest.TestCase):
    def test_listen_only_device_is_kept_while_keepalive_answers(self):
        # Keep-alive probes after 1 s of quiet (bound 4 s), idle limit 3 s (from soket.toml).
        config = "[devices]\nidle_timeout = 3\ndead_peer_timeout = 4\n"
        with Hub(config_text=config) as hub, LineClient(hub.tcp_port) as listener:
            time.sleep(7)  # more than twice the idle limit without a byte from the device
            result = hub.post_json("/api/commands", {"to": "*", "command": "led-on"})
            self.assertEqual(len(result["commands"]), 1, result)
            self.assertEqual(result["commands"][0]["state"], "sent", (result, hub.stderr()))
            self.assertEqual(listener.read_line(), "led-on")
            self.assertNotIn("idle timeout", hub.stdout.decode(errors="replace"))

    def test_idle_limit_bites_without_keepalive_and_is_logged(self):
        with Hub(extra_args=["--device-idle-timeout", "2", "--dead-peer-timeout", "0"]) as hub:
            with hub.device("quiet-1") as dev:
                self.assertTrue(hub.devices()["quiet-1"]["online"])
                started = time.monotonic()
                dev.read_until_closed(timeout=8)
                elapsed = time.monotonic() - started
                self.assertGreaterEqual(elapsed, 1.5)
                self.assertLess(elapsed, 6)
            wait_until(lambda: not hub.devices()["quiet-1"]["online"], what="quiet-1 offline")
            log = lambda: hub.stdout.decode(errors="replace")  # noqa: E731 (spdlog writes to stdout)
            wait_until(lambda: "idle timeout 2 s" in log(), what="the log line")
            self.assertIn("without a byte or a TCP acknowledgement", log())

    def test_talking_device_is_kept(self):
        with Hub(extra_args=["--device-idle-timeout", "2", "--dead-peer-timeout", "0"]) as hub:
            with hub.device("talker-1") as dev:
                for i in range(6):
                    self.assertEqual(dev.request(f"temp={i}"), "OK")
                    time.sleep(0.7)
                self.assertTrue(hub.devices()["talker-1"]["online"])

    def test_bad_idle_timeout_in_config_is_refused(self):
        with self.assertRaises(RuntimeError) as err:
            Hub(config_text="[devices]\nidle_timeout = -5\n")
        self.assertIn("'devices.idle_timeout' must be a whole number of seconds", str(err.exception))

    def test_bad_idle_timeout_flag_is_refused(self):
        run = subprocess.run([soket_binary(), "serve", "--device-idle-timeout", "soon"],
                             capture_output=True, text=True, timeout=10)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("--device-idle-timeout", run.stderr + run.stdout)


if __name__ == "__main__":
    unittest.main()
