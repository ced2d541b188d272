"""Durability: a burst of 10 000 readings from four TCP devices, the server killed (SIGKILL) or
stopped (SIGTERM) in the middle of it. After a restart on the same data directory every reading
that got its `OK` is stored, and nothing that was not sent is."""

import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, wait_until  # noqa: E402

DEVICES = 4
PER_DEVICE = 2500  # 10 000 readings in all
WINDOW = 32        # readings in flight per device
STOP_AFTER = 2000  # acknowledged readings before the server is stopped


class BurstDevice(threading.Thread):
    """Sends `seq=<n>` for n in 0..PER_DEVICE-1, pipelined, and records which got `OK`. The hub
    answers each message once and in order, so the k-th reply belongs to the k-th reading."""

    def __init__(self, hub, device_id):
        super().__init__(daemon=True)
        self.device_id = device_id
        self.sock = socket.create_connection(("127.0.0.1", hub.tcp_port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(f"HELLO {device_id}\n".encode())
        self.buffer = b""
        first = self._line()
        if first != b"OK":
            raise AssertionError(f"HELLO {device_id} -> {first!r}")
        self.acked = []
        self.sent = 0
        self.other_replies = []
        self.error = None

    def _line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def run(self):
        try:
            replies = 0
            while replies < PER_DEVICE:
                if self.sent < PER_DEVICE and self.sent - replies < WINDOW:
                    batch = min(WINDOW - (self.sent - replies), PER_DEVICE - self.sent)
                    data = "".join(f"seq={self.sent + i}\n" for i in range(batch))
                    self.sock.sendall(data.encode())
                    self.sent += batch
                line = self._line()
                if line == b"OK":
                    self.acked.append(replies)
                else:
                    self.other_replies.append(line)
                replies += 1
        except (ConnectionError, OSError) as err:
            self.error = err
        finally:
            self.sock.close()


class Durability(unittest.TestCase):
    def burst_then(self, stop):
        hub = Hub()
        try:
            devices = [BurstDevice(hub, f"burst-{i}") for i in range(DEVICES)]
            for device in devices:
                device.start()
            wait_until(lambda: sum(len(d.acked) for d in devices) >= STOP_AFTER, timeout=60,
                       interval=0.005, what="the first acknowledged readings")
            stop(hub)
            for device in devices:
                device.join(timeout=30)
                self.assertFalse(device.is_alive())
            acked_total = sum(len(d.acked) for d in devices)
            self.assertLess(acked_total, DEVICES * PER_DEVICE, "the burst ended before the stop")
            for device in devices:
                self.assertEqual(device.other_replies, [], device.device_id)

            hub.start(same_ports=True)
            stored_total = 0
            for device in devices:
                stored = [r["value"] for r in hub.readings(device.device_id)]
                stored_set = {int(v) for v in stored}
                self.assertEqual(len(stored), len(stored_set), "a reading stored twice")
                missing = [n for n in device.acked if n not in stored_set]
                self.assertEqual(missing, [], f"{device.device_id}: acknowledged but lost")
                self.assertTrue(all(0 <= n < device.sent for n in stored_set), device.device_id)
                stored_total += len(stored_set)
            print(f"\n  sent {sum(d.sent for d in devices)}, acknowledged {acked_total}, "
                  f"stored {stored_total}", file=sys.stderr)
            return acked_total
        finally:
            hub.close()

    def test_sigkill_during_a_burst_loses_no_acknowledged_reading(self):
        self.burst_then(lambda hub: hub.kill())

    def test_sigterm_during_a_burst_exits_promptly_and_cleanly(self):
        def terminate(hub):
            started = time.monotonic()
            self.assertEqual(hub.terminate(timeout=10), 0, hub.stderr()[-600:])
            self.assertLess(time.monotonic() - started, 10)
        self.burst_then(terminate)

    def test_sigterm_with_every_kind_of_client_connected(self):
        import socketio

        from hubtest import LineClient

        hub = Hub()
        clients = []
        try:
            websocket = socketio.Client(reconnection=False)
            websocket.connect(hub.url, namespaces=["/", "/dashboard", "/chat"])
            polling = socketio.Client(reconnection=False)
            polling.connect(hub.url, transports=["polling"])
            clients = [websocket, polling]
            chat = LineClient(hub.chat_port)
            self.assertEqual(chat.sock.recv(5), b"user?")
            chat.send("budi")
            device = hub.device("last-one")
            self.assertEqual(device.request("temp=1"), "OK")
            started = time.monotonic()
            self.assertEqual(hub.terminate(timeout=10), 0, hub.stderr()[-600:])
            self.assertLess(time.monotonic() - started, 10)
            # The hub closed the TCP connections.
            device.read_until_closed()
            chat.read_until_closed()
            hub.start(same_ports=True)
            self.assertEqual([r["value"] for r in hub.readings("last-one")], [1.0])
        finally:
            for client in clients:
                client.disconnect()
            hub.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
