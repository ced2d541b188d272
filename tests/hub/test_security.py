"""The hub closed with tokens (docs/security.md): every door that shows or changes data refuses
without its token (REST, /metrics, the CSV export, /dashboard, /chat), the Bearer scheme in any
case, signed CSV links (valid, altered, expired, not for writing), the chat name of a token
holder, CORS (any origin while open, same-origin once closed, or as configured), static files
that cannot leave their directory, JSON bodies on bad requests, and no token in the most verbose
logs."""

import json
import os
import re
import socket
import sys
import tempfile
import time
import unittest
import urllib.parse

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, LineClient, error_body, wait_until  # noqa: E402

DASH = "dash-secret-7f3a"
API = "api-secret-91bc"
DEVICE = "dev-secret-44d0"
LINK_TTL_S = 2

LOCKED = f"""
[auth]
dashboard_token = "{DASH}"
api_token = "{API}"
chat_name = "operator"
link_ttl = {LINK_TTL_S}
[auth.devices]
"*" = "{DEVICE}"
"""


def raw_request(hub, request_bytes, timeout=10):
    """Sends bytes as they are (no client-side normalisation of the path); returns (status,
    headers, body)."""
    with socket.create_connection(("127.0.0.1", hub.http_port), timeout=timeout) as sock:
        sock.sendall(request_bytes)
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def get_raw(hub, path, extra=""):
    return raw_request(hub, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            f"{extra}\r\n".encode("latin-1"))


def connect_error(hub, namespace, auth):
    client = socketio.Client(reconnection=False)
    errors = []
    client.on("connect_error", lambda data: errors.append(data), namespace=namespace)
    client.connect(hub.url, namespaces=[namespace], auth=auth, wait=False)
    try:
        wait_until(lambda: errors, what=f"connect_error on {namespace} for {auth}")
        return str(errors[0])
    finally:
        client.disconnect()


class Locked(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(LOCKED)
        with cls.hub.device("d1", token=DEVICE) as device:
            assert device.request("temp=21.5 hum=60") == "OK"
            assert device.request("temp=22.25") == "OK"

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def dashboard(self):
        client = socketio.Client(reconnection=False)
        client.connect(self.hub.url, namespaces=["/dashboard"], auth={"token": DASH},
                       wait_timeout=10)
        self.addCleanup(client.disconnect)
        return client

    def test_rest_metrics_and_csv_refuse_without_the_token(self):
        for path in ("/api/devices", "/api/chat", "/api/alerts", "/metrics",
                     "/api/devices/d1/readings", "/api/devices/d1/readings?format=csv"):
            for headers in ({}, {"Authorization": f"Bearer {API}x"},
                            {"Authorization": f"Basic {API}"}, {"Authorization": API}):
                status, hdrs, data = self.hub.http("GET", path, headers=headers)
                self.assertEqual(status, 401, (path, headers))
                self.assertEqual(error_body(self, data)["code"], "unauthorized")
                self.assertEqual(hdrs.get("www-authenticate"), "Bearer")
                self.assertNotIn(b"21.5", data)
        status, _, data = self.hub.http("POST", "/api/commands", body={"to": "*", "command": "x"})
        self.assertEqual(status, 401)
        error_body(self, data)

    def test_bearer_scheme_in_any_case(self):
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            for sep in (" ", "   "):
                headers = {"Authorization": f"{scheme}{sep}{API}"}
                self.assertIn("d1", [d["id"] for d in self.hub.get_json("/api/devices",
                                                                         headers=headers)["devices"]])
        status, _, data = self.hub.http("GET", "/metrics", headers={"Authorization": f"bearer {API}"})
        self.assertEqual(status, 200)
        self.assertIn(b"soket_devices_online", data)

    def test_healthz_and_the_course_namespace_stay_open(self):
        self.assertEqual(self.hub.get_json("/healthz")["status"], "ok")
        client = socketio.Client(reconnection=False)
        got = []
        client.on("welcome_message", lambda text: got.append(text))
        client.connect(self.hub.url, wait_timeout=10)
        try:
            wait_until(lambda: got, what="welcome_message")
        finally:
            client.disconnect()

    def test_dashboard_and_chat_namespaces_need_the_token(self):
        for namespace in ("/dashboard", "/chat"):
            for auth in (None, {}, {"token": "wrong"}, {"token": DASH + "x"}, {"token": DASH[:-1]},
                         {"name": "rizky"}, {"token": [DASH]}):
                self.assertIn("unauthorized", connect_error(self.hub, namespace, auth),
                              (namespace, auth))

    def test_chat_name_comes_from_the_token(self):
        with LineClient(self.hub.chat_port) as rizky:
            prompt = b""
            while len(prompt) < 5:
                prompt += rizky.sock.recv(5 - len(prompt))
            rizky.send("rizky\n")
            self.assertEqual(rizky.read_line(), "rizky Telah bergabung ke dalam chat !")
            self.assertEqual(rizky.read_line(), "Kamu telah terhubung !")
            names, messages = [], []
            client = socketio.Client(reconnection=False)
            client.on("name", lambda n: names.append(n), namespace="/chat")
            client.on("message", lambda m: messages.append(m), namespace="/chat")
            # The client claims to be rizky: the token decides, not the claim.
            client.connect(self.hub.url, namespaces=["/chat"],
                           auth={"token": DASH, "name": "rizky"}, wait_timeout=10)
            try:
                wait_until(lambda: names, what="the name event")
                self.assertEqual(names[0], {"name": "operator", "fixed": True})
                self.assertEqual(client.call("message", "hai", namespace="/chat", timeout=10),
                                 {"ok": True})
                self.assertEqual(rizky.read_line(), "operator Telah bergabung ke dalam chat !")
                self.assertEqual(rizky.read_line(), "operator: hai")
                wait_until(lambda: messages, what="the message on /chat")
                self.assertEqual(messages[0]["user"], "operator")
            finally:
                client.disconnect()
            self.assertEqual(rizky.read_line(), "operator telah meninggalkan room chat !")

    def test_signed_csv_link(self):
        client = self.dashboard()
        reply = client.call("csv-link", {"device": "d1"}, namespace="/dashboard", timeout=10)
        self.assertTrue(reply["ok"], reply)
        self.assertEqual(reply["expires_in"], LINK_TTL_S)
        url = reply["url"]
        self.assertTrue(url.startswith("/api/devices/d1/readings?format=csv&"), url)
        self.assertNotIn(API, url)
        self.assertNotIn(DASH, url)
        status, hdrs, data = self.hub.http("GET", url)  # no Authorization header at all
        self.assertEqual(status, 200, data)
        self.assertTrue(hdrs["content-type"].startswith("text/csv"))
        self.assertEqual(data.decode().splitlines()[0], "ts,key,value,text")
        self.assertIn(",temp,21.5,", data.decode())

        # Altered: another range, another device, a parameter more, a made-up signature.
        at = url.index("&sig=")
        altered = [re.sub(r"from=\d+", "from=0", url), url.replace("/d1/", "/d2/"),
                   url[:at] + "&limit=999999" + url[at:], url[:at] + "&sig=" + "0" * 64,
                   re.sub(r"expires=\d+", "expires=99999999999", url)]
        for target in altered:
            status, _, data = self.hub.http("GET", target)
            self.assertEqual(status, 403, target)
            self.assertEqual(error_body(self, data)["code"], "bad_signature")
        status, _, data = self.hub.http("GET", url[:at])  # the signature taken off
        self.assertIn(status, (401, 403))
        error_body(self, data)
        # A link is for reading only.
        status, _, data = self.hub.http("POST", url, body={"command": "x"})
        self.assertEqual(status, 403)
        error_body(self, data)

        # Expired.
        time.sleep(LINK_TTL_S + 1.5)
        status, _, data = self.hub.http("GET", url)
        self.assertEqual(status, 401)
        self.assertEqual(error_body(self, data)["code"], "link_expired")

    def test_csv_link_errors(self):
        client = self.dashboard()
        for body in ({"device": "ghost"}, {"device": "d1", "from": 10, "to": 5}, None, "d1"):
            reply = client.call("csv-link", body, namespace="/dashboard", timeout=10)
            self.assertFalse(reply["ok"], body)
            self.assertTrue(reply["error"], body)

    def test_bad_requests_get_a_status_and_a_json_body(self):
        headers = {"Authorization": f"Bearer {API}"}
        for method, path, expect in (("GET", "/nope.html", 404), ("POST", "/", 405),
                                     ("DELETE", "/app.js", 405), ("GET", "/api/nope", 404),
                                     ("PUT", "/api/devices", 405),
                                     ("GET", "/api/devices/d1/readings?limit=x", 400),
                                     ("GET", "/socket.io/?EIO=9&transport=polling", 400),
                                     ("GET", "/socket.io/?EIO=4&transport=carrier-pigeon", 400)):
            status, hdrs, data = self.hub.http(method, path, headers=headers)
            self.assertEqual(status, expect, (method, path, data))
            self.assertTrue(hdrs["content-type"].startswith("application/json"), (path, hdrs))
            json.loads(data)
        status, hdrs, data = raw_request(self.hub, b"THIS IS NOT HTTP\r\n\r\n")
        self.assertEqual(status, 400)
        json.loads(data)

    def test_the_dashboard_page_is_public_but_carries_no_data(self):
        # The page is the same code for everyone (it is in the repository); the data comes only
        # over /dashboard and /chat, which need the token (see the tests above).
        status, hdrs, data = self.hub.http("GET", "/")
        self.assertEqual(status, 200)
        self.assertNotIn(b"d1", data)
        self.assertNotIn(DASH.encode(), data)


class Cors(unittest.TestCase):
    ORIGIN = "http://elsewhere.example"

    def handshake_headers(self, hub, origin):
        status, hdrs, _ = hub.http("GET", "/socket.io/?EIO=4&transport=polling",
                                   headers={"Origin": origin})
        self.assertEqual(status, 200)
        preflight, phdrs, _ = hub.http("OPTIONS", "/socket.io/?EIO=4&transport=polling",
                                       headers={"Origin": origin,
                                                "Access-Control-Request-Method": "GET"})
        return hdrs, phdrs

    def test_open_hub_allows_any_origin(self):
        # As before: the course's pages (from files, other ports) use the open hub.
        with Hub() as hub:
            hdrs, phdrs = self.handshake_headers(hub, self.ORIGIN)
            self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
            self.assertEqual(phdrs.get("access-control-allow-origin"), "*")
            status, hdrs, _ = hub.http("GET", "/api/devices", headers={"Origin": self.ORIGIN})
            self.assertNotIn("access-control-allow-origin", hdrs)  # REST: same-origin always

    def test_closed_hub_is_same_origin(self):
        with Hub(f'[auth]\ndashboard_token = "{DASH}"\n') as hub:
            hdrs, phdrs = self.handshake_headers(hub, self.ORIGIN)
            self.assertNotIn("access-control-allow-origin", hdrs)
            self.assertNotIn("access-control-allow-origin", phdrs)

    def test_configured_origins(self):
        config = f'[server]\ncors_origins = ["http://allowed.example"]\n[auth]\napi_token = "{API}"\n'
        with Hub(config) as hub:
            hdrs, phdrs = self.handshake_headers(hub, "http://allowed.example")
            self.assertEqual(hdrs.get("access-control-allow-origin"), "http://allowed.example")
            self.assertEqual(phdrs.get("access-control-allow-origin"), "http://allowed.example")
            hdrs, phdrs = self.handshake_headers(hub, self.ORIGIN)
            self.assertNotIn("access-control-allow-origin", hdrs)
            self.assertNotIn("access-control-allow-origin", phdrs)

    def test_bad_cors_setting_is_refused(self):
        tmp = tempfile.mkdtemp(prefix="soket-cors-")
        path = os.path.join(tmp, "soket.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write('[server]\ncors_origins = "http://x"\n')
        import subprocess
        from hubtest import soket_binary
        result = subprocess.run([soket_binary(), "serve", "--config", path, "--data-dir",
                                 os.path.join(tmp, "data"), "--http-port", "0"],
                                capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"cors_origins", result.stderr + result.stdout)


class StaticFiles(unittest.TestCase):
    """[server] web_dir: nothing outside the directory is served, however the path is spelled."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="soket-static-")
        web = os.path.join(cls.tmp, "web")
        os.makedirs(os.path.join(web, "sub"))
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<p>dashboard</p>")
        with open(os.path.join(web, "sub", "page.html"), "w") as f:
            f.write("<p>sub</p>")
        with open(os.path.join(cls.tmp, "secret.txt"), "w") as f:
            f.write("TOP-SECRET")
        os.symlink(os.path.join(cls.tmp, "secret.txt"), os.path.join(web, "link.txt"))
        os.symlink(cls.tmp, os.path.join(web, "up"))
        cls.hub = Hub(f'[server]\nweb_dir = "{web}"\n')

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_files_inside_are_served(self):
        for path, text in (("/", b"dashboard"), ("/index.html", b"dashboard"),
                           ("/sub/page.html", b"sub"), ("/sub/../index.html", b"dashboard")):
            status, _, body = get_raw(self.hub, path)
            self.assertEqual(status, 200, path)
            self.assertIn(text, body, path)

    def test_nothing_outside_is_served(self):
        for path in ("/../secret.txt", "/../../etc/passwd", "/%2e%2e/secret.txt",
                     "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
                     "/sub/..%2f..%2fsecret.txt", "/sub/%2e%2e/%2e%2e/secret.txt",
                     "/%252e%252e/secret.txt", "/..%5csecret.txt", "/link.txt",
                     "/up/secret.txt", "/up/web/index.html/../../secret.txt",
                     "//etc/passwd", "/%2fetc%2fpasswd", "/index.html%00.txt",
                     "/secret.txt"):
            status, hdrs, body = get_raw(self.hub, path)
            self.assertIn(status, (400, 404), path)
            self.assertNotIn(b"TOP-SECRET", body, path)
            self.assertNotIn(b"root:", body, path)
            self.assertTrue(hdrs.get("content-type", "").startswith("application/json"), path)
            json.loads(body)


class Logs(unittest.TestCase):
    def test_no_token_in_the_most_verbose_logs(self):
        hub = Hub(LOCKED, extra_args=["--debug", "all"], log_level="trace")
        try:
            with hub.device("d1", token=DEVICE) as device:
                self.assertEqual(device.request("temp=20"), "OK")
            with LineClient(hub.tcp_port) as bad:
                bad.send(f"HELLO d2 {DEVICE}x\n")
                self.assertTrue(bad.read_line().startswith("ERR"))
            hub.http("GET", f"/?token={DASH}")
            hub.http("GET", f"/api/devices?token={API}&api_key={API}")
            hub.http("GET", "/api/devices", headers={"Authorization": f"Bearer {API}"})
            hub.http("GET", "/api/devices", headers={"Authorization": f"Bearer {API}x"})
            hub.http("GET", f"/socket.io/?EIO=9&transport=polling&token={DASH}")  # refused
            hub.http("GET", f"/socket.io/?EIO=4&transport=polling&token={DASH}")
            client = socketio.Client(reconnection=False)
            client.connect(hub.url, namespaces=["/dashboard", "/chat"],
                           auth={"token": DASH}, wait_timeout=10)
            try:
                url = client.call("csv-link", {"device": "d1"}, namespace="/dashboard",
                                  timeout=10)["url"]
                client.call("message", "hai", namespace="/chat", timeout=10)
            finally:
                client.disconnect()
            status, _, _ = hub.http("GET", url)
            self.assertEqual(status, 200)
            self.assertIn("unauthorized", connect_error(hub, "/dashboard", {"token": DASH + "x"}))
            sig = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["sig"][0]
            self.assertEqual(hub.terminate(), 0)
            logs = hub.stdout.decode(errors="replace") + hub.stderr()
        finally:
            hub.close()
        # The logs were written (the redaction did not just drop the lines) ...
        self.assertIn("token=***", logs)
        self.assertIn("sig=***", logs)
        self.assertIn("/socket.io/", logs)
        # ... and no secret is in them.
        for secret in (DASH, API, DEVICE, sig):
            self.assertNotIn(secret, logs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
