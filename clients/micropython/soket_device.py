# soket_device: a soket device client for MicroPython boards (ESP32, ESP8266).
#
# Speaks the hub's line protocol over TCP (docs/hub-protocol.md): HELLO with an optional token,
# readings as `key=value` lines each answered OK, commands from the hub answered OK / ERR by id,
# and a reconnect with a growing, randomised pause when Wi-Fi or the hub goes away.
# Uses only what MicroPython has: socket, time (ticks_ms), random.getrandbits, and ssl for TLS.
# It also runs under CPython (the tests do), where the few MicroPython-only time calls are mapped
# onto the standard ones. See docs/devices.md.

import socket
import time

try:
    import random
except ImportError:  # some tiny ports name it urandom
    import urandom as random

try:
    ticks_ms, ticks_add, ticks_diff = time.ticks_ms, time.ticks_add, time.ticks_diff
    sleep_ms = time.sleep_ms
except AttributeError:  # CPython

    def ticks_ms():
        return int(time.monotonic() * 1000)

    def ticks_add(a, b):
        return a + b

    def ticks_diff(a, b):
        return a - b

    def sleep_ms(ms):
        time.sleep(ms / 1000)


MAX_LINE = 512


class Refused(Exception):
    """The hub answered ERR to our HELLO (a wrong token, a bad id): retrying will not help."""


class SoketDevice:
    """One device on a soket hub's TCP device port.

    on_command(text) is called for each command line (`lamp-on`); it returns True (done: OK),
    or a string (failed: `ERR <string>`). Commands carry their id (`cmdid=1`), so a command the
    hub sends again after a reconnect is answered without running it twice.
    """

    def __init__(self, host, device_id, port=2004, token=None, group=None, kind="sensor",
                 on_command=None, tls=False, reply_timeout_ms=3000, backoff_min_ms=1000,
                 backoff_max_ms=30000):
        self.host, self.port, self.device_id = host, port, device_id
        self.token, self.group, self.kind = token, group, kind
        self.on_command = on_command or (lambda text: "unknown command: " + text)
        self.tls = tls
        self.reply_timeout_ms = reply_timeout_ms
        self.backoff_min_ms, self.backoff_max_ms = backoff_min_ms, backoff_max_ms
        self.backoff_ms = backoff_min_ms
        self.sock = None
        self.buffer = b""
        self.done_ids = []  # the last command ids run, to skip repeats

    # -- connection ------------------------------------------------------------------------------

    def connect(self):
        """Connects and says HELLO; raises Refused when the hub says ERR, OSError when unreachable."""
        self.close()
        addr = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)[0][-1]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.reply_timeout_ms / 1000)
            sock.connect(addr)
            if self.tls:
                sock = self._wrap_tls(sock)
        except Exception:
            sock.close()
            raise
        self.sock = sock
        self.buffer = b""
        hello = "HELLO " + self.device_id
        if self.token:
            hello += " " + self.token
        if self.group:
            hello += " group=" + self.group
        hello += " kind=" + self.kind + " cmdid=1"
        reply = self._request(hello)
        if reply != "OK":
            self.close()
            raise Refused(reply)
        self.backoff_ms = self.backoff_min_ms

    def _wrap_tls(self, sock):
        import ssl

        if hasattr(ssl, "create_default_context"):  # CPython
            context = ssl.create_default_context(cafile=self.tls if isinstance(self.tls, str) else None)
            return context.wrap_socket(sock, server_hostname=self.host)
        return ssl.wrap_socket(sock, server_hostname=self.host)  # MicroPython

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def pause_before_retry(self):
        """Sleeps the backoff pause, then doubles it (randomised, up to backoff_max_ms)."""
        sleep_ms(self.backoff_ms)
        doubled = min(self.backoff_ms * 2, self.backoff_max_ms)
        self.backoff_ms = doubled // 2 + random.getrandbits(16) % (doubled // 2 + 1)

    # -- sending ---------------------------------------------------------------------------------

    def send_reading(self, values):
        """Sends {"temp": 21.5, ...} as one line; True when the hub stored it (OK)."""
        line = " ".join("%s=%s" % (k, v) for k, v in values.items())
        return self._request(line) == "OK"

    def send_text(self, text):
        """A free text message (shown on the dashboard); True when stored."""
        return self._request(text) == "OK"

    def _write(self, line):
        data = (line + "\n").encode()
        while data:
            n = self.sock.send(data)
            data = data[n:]

    def _request(self, line):
        """Writes a line and returns the hub's OK / ERR line, running commands that come first."""
        self._write(line)
        deadline = ticks_add(ticks_ms(), self.reply_timeout_ms)
        while True:
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                raise OSError("no reply from the hub")
            text = self._read_line(left)
            if text is None:
                continue
            if text == "OK" or text.startswith("OK ") or text == "ERR" or text.startswith("ERR "):
                return text
            self._run_command(text)

    # -- receiving -------------------------------------------------------------------------------

    def poll(self, timeout_ms=0):
        """Runs the commands that arrive within timeout_ms (0: those already here)."""
        deadline = ticks_add(ticks_ms(), timeout_ms)
        while True:
            text = self._read_line(max(ticks_diff(deadline, ticks_ms()), 0))
            if text is None:
                return
            self._run_command(text)

    def _read_line(self, timeout_ms):
        """One line, or None when none came within timeout_ms; OSError when the hub closed."""
        while b"\n" not in self.buffer:
            self.sock.settimeout(max(timeout_ms, 1) / 1000)
            try:
                chunk = self.sock.recv(256)
            except OSError as e:
                if "timed out" in str(e) or (e.args and e.args[0] in (11, 110, 116)):
                    return None  # EAGAIN / ETIMEDOUT: nothing yet
                raise
            if not chunk:
                raise OSError("connection closed by the hub")
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE and b"\n" not in self.buffer:
                self.buffer = b""  # an over-long line: dropped
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode().strip()

    def _run_command(self, text):
        if not text:
            return
        command, ref = text, ""
        hash_at = text.rfind(" #")
        if hash_at > 0 and text[hash_at + 2:].isdigit():
            command, ref = text[:hash_at], text[hash_at + 1:]
        if ref and ref in self.done_ids:
            self._write("OK " + ref)  # a repeat of one already run
            return
        try:
            result = self.on_command(command)
        except Exception as e:  # a failing handler fails the command, not the client
            result = "%s" % e
        if result is True:
            self._write(("OK " + ref).strip())
            if ref:
                self.done_ids = (self.done_ids + [ref])[-16:]
        else:
            self._write(("ERR " + ref + " " + str(result)).replace("  ", " "))

    # -- the main loop ---------------------------------------------------------------------------

    def run(self, read_values, interval_ms=5000, rounds=None):
        """Sends read_values() every interval_ms and runs commands in between, reconnecting with
        backoff whenever the connection fails; stops after `rounds` readings (None: never)."""
        sent = 0
        while rounds is None or sent < rounds:
            try:
                if self.sock is None:
                    self.connect()
                self.send_reading(read_values())
                sent += 1
                self.poll(interval_ms)
            except Refused:
                raise
            except OSError:
                self.close()
                self.pause_before_retry()
