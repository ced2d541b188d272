"""Tokens for people: the dashboard namespace (Socket.IO auth.token) and the REST API (Bearer).
Without tokens configured everything is open (the other suites); with them, a missing or wrong
token is refused with a clear error while the course namespace `/` stays open."""

import os
import sys
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, error_body, wait_until  # noqa: E402

CONFIG = """
[auth]
dashboard_token = "dash-secret"
api_token = "api-secret"
"""


class Auth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def test_rest_needs_the_bearer_token(self):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "api-secret"},
                        {"Authorization": "Basic YXBpLXNlY3JldA=="},
                        {"Authorization": "Bearer api-secret-and-more"},
                        {"Authorization": "bearer api-secret x"}):
            for method, path, body in (("GET", "/api/devices", None),
                                       ("GET", "/api/chat", None),
                                       ("POST", "/api/commands", {"to": "*", "command": "x"})):
                status, hdrs, data = self.hub.http(method, path, body=body, headers=headers)
                self.assertEqual(status, 401, (headers, path, data))
                self.assertEqual(error_body(self, data)["code"], "unauthorized")
                self.assertEqual(hdrs.get("www-authenticate"), "Bearer")
        ok = {"Authorization": "Bearer api-secret"}
        self.assertEqual(self.hub.get_json("/api/devices", headers=ok), {"devices": []})
        self.assertEqual(self.hub.get_json("/api/alerts", headers=ok), {"alerts": []})
        # With the token, ordinary errors come through as before.
        status, _, data = self.hub.http("GET", "/api/devices/ghost/readings", headers=ok)
        self.assertEqual(status, 404)
        error_body(self, data)

    def test_dashboard_needs_the_token(self):
        for auth in (None, {}, {"token": "wrong"}, {"token": 5}):
            client = socketio.Client(reconnection=False)
            errors = []
            client.on("connect_error", lambda data: errors.append(data), namespace="/dashboard")
            # wait=False: this python-socketio waits out wait_timeout even after a connect_error.
            client.connect(self.hub.url, namespaces=["/dashboard"], auth=auth, wait=False)
            try:
                wait_until(lambda: errors, what=f"connect_error for auth {auth}")
                self.assertIn("unauthorized", str(errors[0]))
                self.assertNotIn("/dashboard", client.namespaces)
            finally:
                client.disconnect()
        client = socketio.Client(reconnection=False)
        snapshots = []
        client.on("snapshot", lambda data: snapshots.append(data), namespace="/dashboard")
        client.connect(self.hub.url, namespaces=["/dashboard"], auth={"token": "dash-secret"},
                       wait_timeout=10)
        try:
            ack = client.call("devices", None, namespace="/dashboard", timeout=10)
            self.assertEqual(ack, {"ok": True, "devices": []})
        finally:
            client.disconnect()

    def test_course_namespace_stays_open(self):
        client = socketio.Client(reconnection=False)
        got = []
        client.on("welcome_message", lambda text: got.append(text))
        client.connect(self.hub.url, wait_timeout=10)
        try:
            self.assertTrue(client.connected)
            wait_until(lambda: got, what="welcome_message")
            self.assertEqual(got, ["Welcome to the WebSocket server!"])
        finally:
            client.disconnect()


if __name__ == "__main__":
    unittest.main(verbosity=2)
