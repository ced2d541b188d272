"""TLS in `soket serve`: https:// and wss:// for python-socketio and the REST API, a TLS device
(Python's ssl module in place of an ESP8266 WiFiClientSecure) and a TLS chat user, plain text sent to
TLS ports, the certificate reloaded on SIGHUP, and the startup errors for bad [tls] settings. The
certificates come from a throwaway CA made with the `openssl` command.

Every python-socketio session runs in a child process of its own (tls_chat_client.py): the Debian
python-socketio 5.7 client leaves its threads running after disconnect(), which can corrupt a later
TLS connection in the same process, and over wss:// it now and then drops its own stream. A child
that exits 75 (that drop) is run again, at most CLIENT_TRIES times in all; any other failure fails
the test."""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import (HERE, IO_TIMEOUT_S, PYTHON, Hub, LineClient, soket_binary,  # noqa: E402
                     wait_until)

CHAT_CLIENT = os.path.join(HERE, "tls_chat_client.py")
CLIENT_STREAM_DROPPED = 75  # tls_chat_client.py's exit status for python-socketio's own drop
CLIENT_TRIES = 3
CLIENT_TIMEOUT_S = 45  # its connect, ack and upgrade waits are IO_TIMEOUT_S each


class TestCa:
    """A CA and server certificates (P-256, SAN IP:127.0.0.1 and DNS:localhost) in a temp dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="soket-tls-")
        self.ca = os.path.join(self.dir, "ca.pem")
        self._openssl("req", "-x509", *self._ec(), "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                      "-subj", "/CN=soket hub test CA")
        with open(os.path.join(self.dir, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n")

    @staticmethod
    def _ec():
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True)

    def issue(self, name, serial):
        """Writes <name>.pem and <name>.key; returns their paths."""
        self._openssl("req", *self._ec(), "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj",
                      f"/CN=soket hub {name}")
        self._openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                      "-set_serial", str(serial), "-days", "2", "-extfile", "server.ext", "-out",
                      f"{name}.pem")
        return os.path.join(self.dir, f"{name}.pem"), os.path.join(self.dir, f"{name}.key")

    def client_context(self):
        return ssl.create_default_context(cafile=self.ca)

    def session(self):
        """A requests session that trusts this CA (and only it)."""
        session = requests.Session()
        session.verify = self.ca
        # Else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment would win over `verify`.
        session.trust_env = False
        return session

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class TlsLineClient(LineClient):
    """LineClient over TLS, as an ESP8266 with WiFiClientSecure and the CA would connect."""

    def __init__(self, port, context):
        raw = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT_S)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buffer = b""
        self.raw = b""


def run_chat_client(url, ca, *options):
    """Runs one tls_chat_client.py session and returns its JSON lines merged into one dict; runs it
    again when python-socketio dropped its own stream (exit 75), at most CLIENT_TRIES times."""
    drops = []
    for _ in range(CLIENT_TRIES):
        result = subprocess.run([PYTHON, "-W", "ignore::ResourceWarning", CHAT_CLIENT, url,
                                 "--ca", ca, "--timeout", str(IO_TIMEOUT_S), *options],
                                capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S,
                                stdin=subprocess.DEVNULL)
        if result.returncode == 0:
            if drops:
                print(f"\nrun_chat_client: ran again after python-socketio's own stream drop: "
                      f"{drops}", file=sys.stderr)
            merged = {}
            for line in result.stdout.splitlines():
                merged.update(json.loads(line))
            return merged
        if result.returncode != CLIENT_STREAM_DROPPED:
            raise AssertionError(f"tls_chat_client.py {' '.join(options)} exited "
                                 f"{result.returncode}:\n{result.stdout}{result.stderr}")
        drops.append(result.stderr.strip())
    raise AssertionError(f"python-socketio dropped its stream in all {CLIENT_TRIES} tries:\n"
                         + "\n".join(drops))


def peer_certificate(port, context):
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT_S) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert(), tls.version()


class HubOverTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = TestCa()
        first_cert, first_key = cls.pki.issue("first", 501)
        cls.cert = os.path.join(cls.pki.dir, "live.pem")
        cls.key = os.path.join(cls.pki.dir, "live.key")
        shutil.copy(first_cert, cls.cert)
        shutil.copy(first_key, cls.key)
        cls.hub = Hub(config_text=f'[tls]\ncert = "{cls.cert}"\nkey = "{cls.key}"\n'
                                  "devices = true\nchat = true\n")
        cls.base = f"https://127.0.0.1:{cls.hub.http_port}"

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()
        cls.pki.cleanup()

    def test_announces_https(self):
        self.assertIn(b"listening on https://127.0.0.1:%d" % self.hub.http_port, self.hub.stdout)

    def test_rest_and_dashboard_over_https(self):
        session = self.pki.session()
        health = session.get(f"{self.base}/healthz", timeout=IO_TIMEOUT_S)
        self.assertEqual(health.status_code, 200)
        devices = session.get(f"{self.base}/api/devices", timeout=IO_TIMEOUT_S)
        self.assertEqual(devices.status_code, 200)
        self.assertIn("devices", devices.json())
        page = session.get(f"{self.base}/", timeout=IO_TIMEOUT_S)
        self.assertEqual(page.status_code, 200)
        self.assertIn("text/html", page.headers["content-type"])
        # Without the CA the client's own check refuses the server.
        with self.assertRaises(requests.exceptions.SSLError):
            requests.get(f"{self.base}/healthz", timeout=IO_TIMEOUT_S)

    def test_python_socketio_over_https_polling_and_wss(self):
        for transports in (["polling"], ["websocket"], ["polling", "websocket"]):
            with self.subTest(transports=transports):
                # The child waits for the upgrade when both transports are allowed.
                result = run_chat_client(self.base, self.pki.ca, "--transports",
                                         ",".join(transports), "--namespace", "/chat",
                                         "--auth", json.dumps({"name": "tls-web"}),
                                         "--event", "message",
                                         "--data", json.dumps("salam lewat tls"))
                self.assertEqual(result["ack"], {"ok": True})
                self.assertEqual(result["transport"], transports[-1])

    def test_plain_http_on_the_https_port_gets_a_clear_400(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.http_port, timeout=IO_TIMEOUT_S)
        try:
            conn.request("GET", "/api/devices")
            res = conn.getresponse()
            self.assertEqual(res.status, 400)
            self.assertEqual(json.loads(res.read()),
                             {"error": "this port speaks TLS: use https:// or wss://"})
        finally:
            conn.close()

    def test_tls_device_sends_readings_and_gets_ok(self):
        with TlsLineClient(self.hub.tcp_port, self.pki.client_context()) as esp:
            self.assertIn(esp.sock.version(), ("TLSv1.2", "TLSv1.3"))
            esp.send("HELLO tls-sensor-1 kind=sensor\n")
            self.assertEqual(esp.read_line(), "OK")
            esp.send("temp=21.5 hum=40\n")
            self.assertEqual(esp.read_line(), "OK")
        readings = self.pki.session().get(f"{self.base}/api/devices/tls-sensor-1/readings",
                                          timeout=IO_TIMEOUT_S).json()["readings"]
        got = {(r["key"], r["value"]) for r in readings}
        self.assertEqual(got, {("temp", 21.5), ("hum", 40)})
        # ESP8266 BearSSL speaks TLS 1.2 only: that works too.
        context = self.pki.client_context()
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        with TlsLineClient(self.hub.tcp_port, context) as esp12:
            self.assertEqual(esp12.sock.version(), "TLSv1.2")
            esp12.send("Hai from ESP8266")  # the sketch's print() without a newline
            self.assertEqual(esp12.read_line(), "OK")

    def test_plain_device_on_the_tls_port_is_told_and_closed(self):
        with LineClient(self.hub.tcp_port) as plain:
            plain.send("temp=1\n")
            self.assertEqual(plain.read_until_closed(), b"ERR this port speaks TLS\n")
        # A TLS device still works afterwards.
        with TlsLineClient(self.hub.tcp_port, self.pki.client_context()) as esp:
            esp.send("temp=2\n")
            self.assertEqual(esp.read_line(), "OK")

    def test_tls_chat_user(self):
        with TlsLineClient(self.hub.chat_port, self.pki.client_context()) as user:
            prompt = b""
            while len(prompt) < 5:
                prompt += user.sock.recv(5 - len(prompt))
            self.assertEqual(prompt, b"user?")  # exactly, no newline, as over TCP
            user.send("tlsuser\n")
            self.assertEqual(user.read_line(), "tlsuser Telah bergabung ke dalam chat !")
            self.assertEqual(user.read_line(), "Kamu telah terhubung !")

    def test_z_sighup_reloads_the_certificate(self):
        cert, _ = peer_certificate(self.hub.http_port, self.pki.client_context())
        self.assertEqual(dict(x[0] for x in cert["subject"])["commonName"], "soket hub first")
        second_cert, second_key = self.pki.issue("second", 777)
        shutil.copy(second_cert, self.cert)
        shutil.copy(second_key, self.key)
        self.hub.process.send_signal(signal.SIGHUP)

        def reloaded():
            cert, _ = peer_certificate(self.hub.http_port, self.pki.client_context())
            return dict(x[0] for x in cert["subject"])["commonName"] == "soket hub second" and cert
        cert = wait_until(reloaded, what="the new certificate")
        self.assertEqual(int(cert["serialNumber"], 16), 777)
        # The device port uses the same certificate.
        device_cert, _ = peer_certificate(self.hub.tcp_port, self.pki.client_context())
        self.assertEqual(int(device_cert["serialNumber"], 16), 777)
        self.assertIsNone(self.hub.process.poll())


class TlsOnlyOnHttp(unittest.TestCase):
    """--tls-cert/--tls-key alone: HTTP is TLS, the device and chat ports stay plain TCP."""

    def test_flags(self):
        pki = TestCa()
        try:
            cert, key = pki.issue("flags", 9)
            with Hub(extra_args=["--tls-cert", cert, "--tls-key", key]) as hub:
                session = pki.session()
                self.assertEqual(session.get(f"https://127.0.0.1:{hub.http_port}/healthz",
                                             timeout=IO_TIMEOUT_S).status_code, 200)
                with LineClient(hub.tcp_port) as plain:
                    plain.send("temp=3\n")
                    self.assertEqual(plain.read_line(), "OK")
                with LineClient(hub.chat_port) as plain_chat:
                    self.assertEqual(plain_chat.sock.recv(5), b"user?")
        finally:
            pki.cleanup()


class BadTlsSettings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = TestCa()
        cls.cert, cls.key = cls.pki.issue("good", 1)
        _, cls.other_key = cls.pki.issue("other", 2)

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()

    def run_serve(self, args, config=None):
        data = tempfile.mkdtemp(prefix="soket-tls-data-")
        try:
            full = [soket_binary(), "serve", "--bind", "127.0.0.1", "--http-port", "0",
                    "--tcp-port", "0", "--udp-port", "0", "--chat-port", "0", "--data-dir", data]
            if config is not None:
                path = os.path.join(data, "soket.toml")
                with open(path, "w") as f:
                    f.write(config)
                full += ["--config", path]
            return subprocess.run(full + args, capture_output=True, text=True, timeout=20,
                                  stdin=subprocess.DEVNULL)
        finally:
            shutil.rmtree(data, ignore_errors=True)

    def test_each_mistake_has_its_sentence_and_a_non_zero_exit(self):
        missing = os.path.join(self.pki.dir, "missing.pem")
        cases = [
            (["--tls-cert", missing, "--tls-key", self.key], None,
             "cannot read the TLS certificate file " + missing + ": No such file or directory"),
            (["--tls-cert", self.cert, "--tls-key", self.other_key], None,
             f"the TLS key in {self.other_key} does not match the certificate in {self.cert}"),
            (["--tls-cert", self.cert, "--tls-key", self.cert], None,
             "does not hold an unencrypted PEM private key"),
            (["--tls-cert", self.cert], None, "TLS needs both a certificate and a key"),
            (["--tls-devices"], None, "--tls-devices and --tls-chat need --tls-cert and --tls-key"),
            ([], f'[tls]\ncert = "{self.cert}"\n', "[tls] needs both 'cert' and 'key'"),
            ([], "[tls]\nchat = true\n", "[tls] devices/chat need 'cert' and 'key'"),
            ([], f'[tls]\ncert = "{self.cert}"\nkey = "{self.key}"\nwhat = 1\n', "what"),
        ]
        for args, config, sentence in cases:
            with self.subTest(args=args, config=config):
                result = self.run_serve(args, config)
                self.assertNotEqual(result.returncode, 0, result.stdout)
                self.assertIn(sentence, result.stderr)
                self.assertNotIn("listening on", result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
