"""A device cut off without a FIN (power loss, Wi-Fi gone) is dropped and shown offline within
the dead-peer bound: TCP keep-alive for a quiet device, TCP_USER_TIMEOUT for one with a command
waiting for its TCP acknowledgement.

The cut is real: the test runs in a network namespace of its own (`unshare --net`, as root) where
the devices connect from 127.0.0.2-4 and a `blackhole` routing rule then silently discards every
packet to them, so the hub's keep-alive probes and retransmissions get no answer and no FIN or RST
ever arrives, exactly as when a board loses power. Without root or unshare the test is skipped."""

import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, wait_until  # noqa: E402

IN_NETNS = os.environ.get("SOKET_TEST_NETNS") == "1"


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def cut_off(*addresses):
    """From now on, packets to these local addresses vanish (no error, no reset)."""
    for address in addresses:
        ip("rule", "add", "pref", "10", "to", address, "blackhole")
    # The local table is consulted first (rule 0); move it behind the blackhole rules.
    ip("rule", "add", "pref", "100", "lookup", "local")
    ip("rule", "del", "pref", "0", "lookup", "local")


def device_from(hub, source, device_id):
    sock = socket.create_connection(("127.0.0.1", hub.tcp_port), timeout=10,
                                    source_address=(source, 0))
    sock.sendall(f"HELLO {device_id}\n".encode())
    reply = b""
    while not reply.endswith(b"\n"):
        reply += sock.recv(100)
    assert reply == b"OK\n", reply
    return sock


@unittest.skipUnless(IN_NETNS, "needs root and unshare (a private network namespace)")
class DeadPeer(unittest.TestCase):
    def test_devices_cut_off_without_fin_go_offline_within_the_bound(self):
        with Hub() as default_hub, Hub(extra_args=["--dead-peer-timeout", "4"]) as hub:
            quiet_default = device_from(default_hub, "127.0.0.2", "quiet-default")
            quiet = device_from(hub, "127.0.0.3", "quiet")
            busy = device_from(hub, "127.0.0.4", "busy")
            cut = time.monotonic()
            cut_off("127.0.0.2", "127.0.0.3", "127.0.0.4")
            # A command now waits for an ACK that never comes: keep-alive does not probe then,
            # TCP_USER_TIMEOUT ends it.
            sent = hub.post_json("/api/devices/busy/commands", {"command": "led-on"})
            self.assertEqual(sent["commands"][0]["state"], "sent", sent)

            offline_at = {}

            def watch():
                now = time.monotonic() - cut
                for h, ids in ((hub, ("quiet", "busy")), (default_hub, ("quiet-default",))):
                    devices = h.devices()
                    for device_id in ids:
                        if device_id not in offline_at and not devices[device_id]["online"]:
                            offline_at[device_id] = now
                return len(offline_at) == 3

            wait_until(watch, timeout=40, interval=0.2, what=f"devices offline: {offline_at}")
            print(f"offline after the cut (s): {offline_at}", file=sys.stderr)
            # Bound 4 s (+ timer slack), and not earlier than the probes could have failed.
            self.assertGreater(offline_at["quiet"], 2.0, offline_at)
            self.assertLess(offline_at["quiet"], 7.0, offline_at)
            self.assertLess(offline_at["busy"], 7.0, offline_at)
            # The default bound is under 30 s.
            self.assertGreater(offline_at["quiet-default"], 10.0, offline_at)
            self.assertLess(offline_at["quiet-default"], 30.0, offline_at)
            for sock in (quiet_default, quiet, busy):
                sock.close()


if __name__ == "__main__":
    if not IN_NETNS and os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
        if probe.returncode == 0:
            env = dict(os.environ, SOKET_TEST_NETNS="1")
            os.execvpe("unshare", ["unshare", "--net", "sh", "-c",
                                   'ip link set lo up && exec "$0" "$@"', sys.executable,
                                   *sys.argv], env)
    unittest.main()
