"""After a restart (SIGTERM or kill -9) every device's latest values are back, from the store: in
`GET /api/devices` and in the dashboard's `snapshot`, for TCP, JSON and UDP senders alike. A
database made by an older soket (schema 1, before the table of latest values) gets them from its
readings when it is opened."""

import os
import socket
import sqlite3
import sys
import threading
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, udp_request, wait_until  # noqa: E402


def snapshot_devices(hub):
    client = socketio.Client()
    got = []
    done = threading.Event()

    def on_snapshot(data):
        got.append(data)
        done.set()

    client.on("snapshot", on_snapshot, namespace="/dashboard")
    client.connect(hub.url, namespaces=["/dashboard"])
    try:
        if not done.wait(10):
            raise AssertionError("no snapshot")
    finally:
        client.disconnect()
    return {d["id"]: d for d in got[0]["devices"]}


EXPECTED = {"tcp-a": {"temp": 2.0, "hum": 5.0, "door": 1.0}, "json-b": {"light": 7.5},
            "udp-c": {"x": 3.0}}


def feed(hub):
    with hub.device("tcp-a") as a, hub.device("json-b") as b:
        assert a.request("temp=1 hum=4") == "OK"
        assert a.request("temp=2") == "OK"
        assert a.request('{"hum": 5, "door": true}') == "OK"
        assert a.request("just text") == "OK"
        assert b.request('{"light": 7.5, "label": "north"}') == "OK"
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        assert udp_request(hub, "HELLO udp-c", sock=sock).strip() == "OK"
        assert udp_request(hub, "x=1", sock=sock).strip() == "OK"
        assert udp_request(hub, "x=3", sock=sock).strip() == "OK"
    finally:
        sock.close()


class LatestAfterRestart(unittest.TestCase):
    def check(self, hub):
        devices = hub.devices()
        snapshot = snapshot_devices(hub)
        for device_id, latest in EXPECTED.items():
            self.assertEqual(devices[device_id]["latest"], latest, device_id)
            self.assertFalse(devices[device_id]["online"], device_id)
            self.assertEqual(snapshot[device_id]["latest"], latest, device_id)

    def test_latest_values_survive_sigterm_and_kill(self):
        with Hub() as hub:
            feed(hub)
            wait_until(lambda: hub.devices()["tcp-a"]["latest"] == EXPECTED["tcp-a"], what="live")
            hub.restart()  # SIGTERM, start again on the same data
            self.check(hub)
            hub.kill()  # kill -9
            hub.start(same_ports=True)
            self.check(hub)

    def test_database_from_before_the_latest_table_is_filled_from_its_readings(self):
        with Hub() as hub:
            feed(hub)
            hub.terminate()
            db = sqlite3.connect(hub.db_path)
            db.execute("DROP TABLE latest_readings")
            db.execute("ALTER TABLE devices DROP COLUMN node")  # added by version 4
            db.execute("UPDATE schema_version SET version = 1")
            db.commit()
            db.close()
            hub.start(same_ports=True)
            self.check(hub)


if __name__ == "__main__":
    unittest.main()
