"""Smaller things found after a day of use: typed server commands work when standard input is a
pipe (not a terminal), `soket serve --simulate` works when devices need a token and takes a time
scale, and `soket command` against a server that is not there prints a sentence, not a library
error."""

import os
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, soket_binary, wait_until  # noqa: E402


class SmallerOnes(unittest.TestCase):
    def test_typed_commands_through_a_pipe(self):
        with Hub(pipe_stdin=True) as hub, hub.device("lamp-p1") as lamp:
            hub.type("@lamp-p1 lamp-on")
            self.assertEqual(lamp.read_line(), "lamp-on")
            hub.type("led-on")
            self.assertEqual(lamp.read_line(), "led-on")
            hub.type("@ghost led-on")
            wait_until(lambda: b"error: unknown device 'ghost'" in hub.stdout, what="the error")

    def test_simulate_with_device_tokens_and_a_time_scale(self):
        config = '[auth.devices]\n"*" = "village-secret"\n'
        with Hub(config_text=config,
                 extra_args=["--simulate", "--simulate-time-scale", "600"]) as hub:
            # Printed after the "listening" lines the fixture waits for.
            wait_until(lambda: b"a day lasts 2 minutes" in hub.stdout, what="the time scale line")
            wait_until(lambda: sum(d["online"] for d in hub.devices().values()) >= 10,
                       timeout=15, what="simulated devices online")
            self.assertNotIn(b"unauthorized", hub.stdout)

    def test_bad_simulate_time_scale_is_refused(self):
        run = subprocess.run([soket_binary(), "serve", "--simulate", "--simulate-time-scale", "0"],
                             capture_output=True, text=True, timeout=10)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("--simulate-time-scale", run.stderr + run.stdout)

    def test_command_to_a_server_that_is_not_there(self):
        with socket.socket() as s:  # a free port with nobody listening
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        run = subprocess.run([soket_binary(), "command", "--http-port", str(port), "led-on"],
                             capture_output=True, text=True, timeout=15)
        self.assertEqual(run.returncode, 1)
        self.assertIn(f"cannot reach a soket server at 127.0.0.1:{port}", run.stderr)
        self.assertIn("Is `soket serve` running there?", run.stderr)
        self.assertNotIn("system:", run.stderr)


if __name__ == "__main__":
    unittest.main()
