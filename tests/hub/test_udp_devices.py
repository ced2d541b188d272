"""UDP devices: offline after a silence of 3 of their own reporting intervals (never sooner than
[devices] udp_offline_min); no commands queued for a device that cannot receive them (a refusal
that says why; "*" and groups leave it out; `commands: false` in its Device JSON, which the
dashboard uses to hide its switches), or commands sent to its address with udp_commands = true;
and a UDP sender keeps the name of its HELLO across a restart (its address is in the store)."""

import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, query, udp_request, wait_until  # noqa: E402


class UdpSender:
    def __init__(self, hub):
        self.hub = hub
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))

    def request(self, payload):
        return udp_request(self.hub, payload, sock=self.sock).strip()

    def receive(self, timeout=10):
        self.sock.settimeout(timeout)
        data, _ = self.sock.recvfrom(65536)
        return data.decode().strip()

    def close(self):
        self.sock.close()


def offline_after(hub, device_id, since):
    wait_until(lambda: not hub.devices()[device_id]["online"], timeout=20, interval=0.1,
               what=f"{device_id} offline")
    return time.monotonic() - since


class UdpOffline(unittest.TestCase):
    def test_offline_after_three_of_its_own_intervals_at_least_the_minimum(self):
        config = "[devices]\nudp_offline_min = 1\nudp_offline_intervals = 3\n"
        with Hub(config_text=config) as hub:
            fast, slow = UdpSender(hub), UdpSender(hub)
            # slow: every 1.2 s (3 intervals: 3.6 s); fast: every 0.2 s (0.6 s: the 1 s minimum).
            self.assertEqual(slow.request("HELLO udp-slow"), "OK")
            time.sleep(1.2)
            self.assertEqual(slow.request("t=1"), "OK")
            time.sleep(0.4)
            self.assertEqual(fast.request("HELLO udp-fast"), "OK")
            for i in range(4):
                time.sleep(0.2)
                self.assertEqual(fast.request(f"t={i}"), "OK")
            self.assertEqual(slow.request("t=2"), "OK")
            last_fast = last_slow = time.monotonic()
            self.assertTrue(hub.devices()["udp-fast"]["online"])
            fast_quiet = offline_after(hub, "udp-fast", last_fast)
            self.assertGreater(fast_quiet, 0.9)
            self.assertLess(fast_quiet, 3.5)
            self.assertTrue(hub.devices()["udp-slow"]["online"], "slow went offline too soon")
            slow_quiet = offline_after(hub, "udp-slow", last_slow)
            self.assertGreater(slow_quiet, 3.0)
            self.assertLess(slow_quiet, 8.0)
            # Heard again: online again.
            self.assertEqual(fast.request("t=5"), "OK")
            self.assertTrue(hub.devices()["udp-fast"]["online"])
            fast.close()
            slow.close()


class UdpCommands(unittest.TestCase):
    def test_commands_are_refused_with_the_reason_and_groups_leave_udp_out(self):
        with Hub() as hub:
            udp = UdpSender(hub)
            self.assertEqual(udp.request("HELLO udp-lamp group=gang-u kind=lamp"), "OK")
            with hub.device("tcp-lamp", attrs="group=gang-u kind=lamp") as tcp:
                status, _, body = hub.http("POST", "/api/devices/udp-lamp/commands",
                                           {"command": "lamp-on"})
                self.assertEqual(status, 400, body)
                error = json.loads(body)["error"]["message"]
                self.assertIn("sends over UDP and cannot receive commands", error)
                self.assertIn("udp_commands", error)
                group = hub.post_json("/api/commands", {"to": "group:gang-u", "command": "lamp-on"})
                self.assertEqual([c["device"] for c in group["commands"]], ["tcp-lamp"])
                everyone = hub.post_json("/api/commands", {"to": "*", "command": "lamp-off"})
                self.assertEqual([c["device"] for c in everyone["commands"]], ["tcp-lamp"])
                self.assertEqual(tcp.read_line(), "lamp-on")
                self.assertEqual(tcp.read_line(), "lamp-off")
                devices = hub.devices()
                self.assertFalse(devices["udp-lamp"]["commands"])
                self.assertTrue(devices["tcp-lamp"]["commands"])
            self.assertEqual(query(hub, "SELECT COUNT(*) FROM commands WHERE device_id = 'udp-lamp'"),
                             [(0,)])
            udp.close()

    def test_udp_commands_go_to_the_device_address_when_configured(self):
        with Hub(config_text="[devices]\nudp_commands = true\n") as hub:
            udp = UdpSender(hub)
            self.assertEqual(udp.request("HELLO udp-listener kind=lamp"), "OK")
            self.assertTrue(hub.devices()["udp-listener"]["commands"])
            sent = hub.post_json("/api/devices/udp-listener/commands", {"command": "lamp-on"})
            self.assertEqual(sent["commands"][0]["state"], "sent", sent)
            self.assertEqual(udp.receive(), "lamp-on")
            udp.sock.sendto(b"OK\n", ("127.0.0.1", hub.udp_port))  # its answer
            command_id = sent["commands"][0]["id"]
            wait_until(lambda: query(hub, "SELECT state FROM commands WHERE id = ?",
                                     (command_id,)) == [("acked",)], what="acked")
            everyone = hub.post_json("/api/commands", {"to": "*", "command": "lamp-off"})
            self.assertEqual([c["device"] for c in everyone["commands"]], ["udp-listener"])
            self.assertEqual(udp.receive(), "lamp-off")
            udp.close()


class UdpNameAcrossRestart(unittest.TestCase):
    def test_a_udp_sender_keeps_its_hello_name_after_a_restart(self):
        with Hub() as hub:
            udp = UdpSender(hub)
            self.assertEqual(udp.request("HELLO udp-named kind=sensor"), "OK")
            self.assertEqual(udp.request("temp=20"), "OK")
            hub.restart()
            self.assertEqual(udp.request("temp=21"), "OK")  # no HELLO this time
            values = sorted(r["value"] for r in hub.readings("udp-named"))
            self.assertEqual(values, [20.0, 21.0])
            self.assertEqual([d for d in hub.devices() if d.startswith("udp-127")], [])
            self.assertTrue(hub.devices()["udp-named"]["online"])
            udp.close()


if __name__ == "__main__":
    unittest.main()
