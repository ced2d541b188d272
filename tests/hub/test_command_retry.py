"""Commands that never got a reply, and the order of replies.

A command written to a device whose connection ends before the device answers is written again
when the device comes back (also after a hub restart), while it is younger than [devices]
command_ttl; older, it fails with a reason. Devices that say `cmdid=1` in their HELLO get
`<command> #<id>` (the same id on a repeat) and may answer `OK #<id>`; the others keep getting the
exact line (`led-on`). An `ERR` never overtakes the `OK`s of earlier lines on the same connection,
even in one pipelined burst."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, query, wait_until  # noqa: E402


def command_state(hub, command_id):
    return query(hub, "SELECT state, reply FROM commands WHERE id = ?", (command_id,))[0]


class CommandRetry(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def test_unanswered_command_is_sent_again_on_reconnect_then_acked_once(self):
        hub = self.hub
        with hub.device("lamp-r1") as lamp:
            sent = hub.post_json("/api/devices/lamp-r1/commands", {"command": "lamp-on"})
            command_id = sent["commands"][0]["id"]
            self.assertEqual(lamp.read_line(), "lamp-on")
        # Gone before answering: the command stays "sent", not "acked".
        wait_until(lambda: not hub.devices()["lamp-r1"]["online"], what="lamp-r1 offline")
        self.assertEqual(command_state(hub, command_id)[0], "sent")
        with hub.device("lamp-r1") as lamp:
            self.assertEqual(lamp.read_line(), "lamp-on")  # again, exactly the course's line
            lamp.send("OK\n")
            wait_until(lambda: command_state(hub, command_id) == ("acked", "OK"), what="acked")
        with hub.device("lamp-r1") as lamp:
            self.assertEqual(lamp.request("temp=1"), "OK")  # nothing else arrived before it
            self.assertNotIn(b"lamp-on", lamp.raw)

    def test_opted_in_device_gets_ids_and_answers_by_id(self):
        hub = self.hub
        with hub.device("lamp-r2", attrs="cmdid=1") as lamp:
            first = hub.post_json("/api/devices/lamp-r2/commands", {"command": "lamp-on"})
            second = hub.post_json("/api/devices/lamp-r2/commands", {"command": "lamp-off"})
            first_id, second_id = first["commands"][0]["id"], second["commands"][0]["id"]
            self.assertEqual(lamp.read_line(), f"lamp-on #{first_id}")
            self.assertEqual(lamp.read_line(), f"lamp-off #{second_id}")
            lamp.send(f"OK #{second_id}\n")  # answers the second one only
            wait_until(lambda: command_state(hub, second_id)[0] == "acked", what="second acked")
            self.assertEqual(command_state(hub, first_id)[0], "sent")
        with hub.device("lamp-r2", attrs="cmdid=1") as lamp:
            # The repeat carries the same id, so the device can tell it has seen it.
            self.assertEqual(lamp.read_line(), f"lamp-on #{first_id}")
            lamp.send(f"ERR #{first_id} relay stuck\n")
            wait_until(lambda: command_state(hub, first_id) == ("failed", f"ERR #{first_id} relay stuck"),
                       what="first failed")

    def test_pipelined_errors_never_overtake_earlier_oks(self):
        good = "temp=1"
        bad = ["temp=", "{}", "HELLO bad/id", "x\x01=1", "HELLO other-id"]
        lines, expected = [], []
        for i in range(40):
            lines.append(f"temp={i}")
            expected.append("OK")
            b = bad[i % len(bad)]
            lines.append(b)
            expected.append("ERR")
        lines.append(good)
        expected.append("OK")
        with self.hub.device("burst-1") as dev:
            dev.send("".join(line + "\n" for line in lines))  # one write: a pipelined burst
            replies = [dev.read_line() for _ in lines]
        self.assertEqual([r.split(" ")[0] for r in replies], expected, replies)
        self.assertEqual(len(self.hub.readings("burst-1")), 41)


class CommandTtl(unittest.TestCase):
    def test_old_unanswered_command_fails_instead_of_repeating(self):
        with Hub(extra_args=["--command-ttl", "1"]) as hub:
            with hub.device("lamp-t1") as lamp:
                sent = hub.post_json("/api/devices/lamp-t1/commands", {"command": "lamp-on"})
                self.assertEqual(lamp.read_line(), "lamp-on")
            time.sleep(1.5)
            with hub.device("lamp-t1") as lamp:
                command_id = sent["commands"][0]["id"]
                wait_until(lambda: command_state(hub, command_id)[0] == "failed", what="failed")
                self.assertIn("command_ttl (1 s)", command_state(hub, command_id)[1])
                self.assertEqual(lamp.request("temp=1"), "OK")
                self.assertNotIn(b"lamp-on", lamp.raw)

    def test_unanswered_command_is_sent_again_after_a_restart(self):
        with Hub() as hub:
            with hub.device("lamp-k1", attrs="cmdid=1") as lamp:
                sent = hub.post_json("/api/devices/lamp-k1/commands", {"command": "lamp-on"})
                command_id = sent["commands"][0]["id"]
                self.assertEqual(lamp.read_line(), f"lamp-on #{command_id}")
                hub.kill()  # kill -9 while the command waits for its answer
            hub.start(same_ports=True)
            with hub.device("lamp-k1", attrs="cmdid=1") as lamp:
                self.assertEqual(lamp.read_line(), f"lamp-on #{command_id}")
                lamp.send(f"OK #{command_id}\n")
                wait_until(lambda: command_state(hub, command_id)[0] == "acked", what="acked")


if __name__ == "__main__":
    unittest.main()
