"""How many devices the hub lets come into existence ([limits.devices] max_devices,
new_devices_per_minute, new_device_burst; docs/limits.md): a source address that keeps creating
devices is refused with an ERR line (TCP: the connection is closed), others are not affected, a
device the hub knows is always let in, and a line that only answers (OK/ERR) from an unknown
connection creates nothing."""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, LineClient, udp_request, wait_until  # noqa: E402
from test_limits import from_address, metric  # noqa: E402

CONFIG = """
[limits.devices]
max_devices = {max_devices}
new_device_burst = 3
new_devices_per_minute = 1
"""


def hello_from(hub, address, device_id):
    client = from_address(hub.tcp_port, address)
    client.send(f"HELLO {device_id}\n")
    return client


class DeviceLimits(unittest.TestCase):
    def hub(self, max_devices=1000):
        hub = Hub(config_text=CONFIG.format(max_devices=max_devices))
        self.addCleanup(hub.close)
        return hub

    def metrics(self, hub):
        status, _, data = hub.http("GET", "/metrics")
        self.assertEqual(status, 200)
        return data.decode()

    def test_an_address_creating_devices_too_fast_is_refused_and_others_are_not(self):
        hub = self.hub()
        held = []
        for i in range(3):
            client = hello_from(hub, "127.0.0.3", f"nd-{i}")
            self.assertEqual(client.read_line(), "OK")
            held.append(client)
        refused = hello_from(hub, "127.0.0.3", "nd-3")
        self.assertEqual(refused.read_until_closed(),
                         b"ERR too many new devices from 127.0.0.3, try again later\n")
        refused.close()
        # Without HELLO the connection would be a new device too.
        anonymous = from_address(hub.tcp_port, "127.0.0.3")
        anonymous.send("temp=1\n")
        self.assertEqual(anonymous.read_until_closed(),
                         b"ERR too many new devices from 127.0.0.3, try again later\n")
        anonymous.close()
        # So would an unknown UDP sender.
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.3", 0))
        try:
            self.assertEqual(udp_request(hub, "temp=2", sock=udp),
                             "ERR too many new devices from 127.0.0.3, try again later\n")
        finally:
            udp.close()
        # A device the hub knows comes back from that address; another address creates devices.
        held[0].close()
        again = hello_from(hub, "127.0.0.3", "nd-0")
        self.assertEqual(again.read_line(), "OK")
        again.send("temp=3\n")
        self.assertEqual(again.read_line(), "OK")
        again.close()
        other = hello_from(hub, "127.0.0.4", "nd-other")
        self.assertEqual(other.read_line(), "OK")
        other.close()
        for client in held:
            client.close()
        devices = hub.devices()
        self.assertNotIn("nd-3", devices)
        self.assertEqual([d for d in devices if d.startswith(("tcp-127.0.0.3", "udp-127.0.0.3"))], [])
        self.assertEqual(metric(self.metrics(hub), "soket_devices_refused_total"), 3)
        log = lambda: hub.stdout.decode(errors="replace")  # noqa: E731 (spdlog writes to stdout)
        wait_until(lambda: "not created: too many new devices from 127.0.0.3" in log(),
                   what="the refusal in the log")

    def test_the_hub_knows_at_most_max_devices(self):
        hub = self.hub(max_devices=4)
        addresses = ["127.0.0.5", "127.0.0.6"]
        for i in range(4):
            client = hello_from(hub, addresses[i % 2], f"md-{i}")
            self.assertEqual(client.read_line(), "OK")
            client.close()
        refused = hello_from(hub, "127.0.0.7", "md-4")
        self.assertEqual(refused.read_until_closed(),
                         b"ERR too many devices: the hub knows 4 (limits.devices.max_devices)\n")
        refused.close()
        known = hello_from(hub, "127.0.0.7", "md-1")
        self.assertEqual(known.read_line(), "OK")
        known.close()
        self.assertEqual(sorted(hub.devices()), ["md-0", "md-1", "md-2", "md-3"])

    def test_an_answer_from_an_unknown_connection_creates_no_device(self):
        hub = self.hub()
        with LineClient(hub.tcp_port) as client:
            client.send("OK\nERR nothing to answer\nACK 5\n")
            time.sleep(0.5)
            self.assertEqual(hub.devices(), {})
            client.sock.settimeout(0.2)
            with self.assertRaises(socket.timeout):  # an answer is never answered
                client.sock.recv(100)

    def test_a_device_line_after_answers_creates_the_device(self):
        hub = self.hub()
        with LineClient(hub.tcp_port) as client:
            client.send("OK\ntemp=1\n")
            self.assertEqual(client.read_line(), "OK")
            port = client.sock.getsockname()[1]
            self.assertEqual(list(hub.devices()), [f"tcp-127.0.0.1-{port}"])


if __name__ == "__main__":
    unittest.main()
