"""The course's clients, unchanged, against `soket serve`: the ESP8266 sketch's exchange (text
without a newline, `OK` back), telnet-style lines, the Python TCP chat client (two users) with a
Socket.IO /chat user, and python-socketio sender.py/receiver.py on `/`."""

import os
import sys
import threading
import time
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import (PYTHON, Hub, LineClient, Program, course_fixture, query,  # noqa: E402
                     wait_until)


class Recorder:
    """Collects (event, args) pairs from a python-socketio client, thread-safely."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def add(self, event, *args):
        with self.lock:
            self.events.append((event, args))

    def of(self, event):
        with self.lock:
            return [args for e, args in self.events if e == event]

    def wait(self, event, predicate=lambda args: True, what=None):
        return wait_until(lambda: [a for a in self.of(event) if predicate(a)],
                          what=what or f"event {event}: have {self.events[-10:]}")


class CourseClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def test_esp8266_sketch_text_without_newline_gets_ok(self):
        # Praktikum 1: connect, client.print("Hai from ESP8266") (no newline), readStringUntil('\n'),
        # client.stop() -- three rounds of the sketch's loop().
        for _ in range(3):
            with LineClient(self.hub.tcp_port) as esp:
                esp.send("Hai from ESP8266")
                self.assertEqual(esp.read_line(), "OK")
                self.assertEqual(esp.raw, b"OK\n")
        rows = query(self.hub, "SELECT device_id, text FROM text_messages WHERE text = ?",
                     ("Hai from ESP8266",))
        self.assertEqual(len(rows), 3, rows)
        self.assertTrue(all(r[0].startswith("tcp-127.0.0.1-") for r in rows), rows)
        devices = self.hub.devices()
        for device_id, _ in rows:
            self.assertEqual(devices[device_id]["transport"], "tcp")

    def test_telnet_lines_with_crlf(self):
        with LineClient(self.hub.tcp_port) as telnet:
            telnet.send("halo dari telnet\r\n")
            self.assertEqual(telnet.read_line(), "OK")
            telnet.send("temp=27.5 hum=61\r\n")
            self.assertEqual(telnet.read_line(), "OK")
            self.assertEqual(telnet.raw, b"OK\nOK\n")

    def test_chat_client_two_tcp_users_and_a_web_user(self):
        script = course_fixture("course_chat_client.py", {"59000": str(self.hub.chat_port)})
        web = socketio.Client()
        seen = Recorder()
        web.on("message", lambda data: seen.add("message", data), namespace="/chat")
        web.on("system", lambda text: seen.add("system", text), namespace="/chat")
        web.on("history", lambda data: seen.add("history", data), namespace="/chat")
        rizky = fatur = None
        try:
            web.connect(self.hub.url, namespaces=["/chat"], auth={"name": "webby"})
            seen.wait("history")

            rizky = Program([PYTHON, "-u", script])
            rizky.type("rizky")
            rizky.wait_for("Kamu telah terhubung !")
            rizky.wait_for("rizky Telah bergabung ke dalam chat !")
            self.assertIn("Masukkan nama user >>> ", rizky.text())
            seen.wait("system", lambda a: a[0] == "rizky Telah bergabung ke dalam chat !")

            fatur = Program([PYTHON, "-u", script])
            fatur.type("fatur")
            fatur.wait_for("Kamu telah terhubung !")
            rizky.wait_for("fatur Telah bergabung ke dalam chat !")
            seen.wait("system", lambda a: a[0] == "fatur Telah bergabung ke dalam chat !")

            rizky.type("halo selamat siang!")
            for user in (rizky, fatur):
                user.wait_for("rizky: halo selamat siang!")
            got = seen.wait("message", lambda a: "halo selamat siang!" in a[0]["text"])
            self.assertEqual(got[0][0]["origin"], "tcp")
            self.assertEqual(got[0][0]["user"], "rizky")

            fatur.type("siang !!")
            for user in (rizky, fatur):
                user.wait_for("fatur: siang !!")
            seen.wait("message", lambda a: "siang !!" in a[0]["text"] and a[0]["user"] == "fatur")

            ack = web.call("message", "salam dari web", namespace="/chat", timeout=10)
            self.assertEqual(ack, {"ok": True})
            for user in (rizky, fatur):
                user.wait_for("webby: salam dari web")
            got = seen.wait("message", lambda a: a[0]["text"] == "salam dari web")
            self.assertEqual(got[0][0]["user"], "webby")
            self.assertEqual(got[0][0]["origin"], "web")

            # fatur's connection drops: the others are told.
            fatur.stop()
            rizky.wait_for("fatur telah meninggalkan room chat !")
            seen.wait("system", lambda a: a[0] == "fatur telah meninggalkan room chat !")

            # The web user leaves: the TCP user is told.
            web.disconnect()
            rizky.wait_for("webby telah meninggalkan room chat !")

            # Everything said is stored and listed by the REST API. Web messages are acknowledged
            # once stored; TCP chat lines are relayed first and stored right after.
            deadline = time.monotonic() + 5
            while True:
                texts = [m["text"] for m in self.hub.get_json("/api/chat?limit=50")["messages"]]
                # The client's own "rizky: " prefix is not kept: the name is the row's user.
                missing = [text for text in ("halo selamat siang!", "siang !!", "salam dari web")
                           if text not in texts]
                if not missing or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(missing, [], texts)

            # A fresh web user gets the history on joining.
            late = socketio.Client()
            late_seen = Recorder()
            late.on("history", lambda data: late_seen.add("history", data), namespace="/chat")
            late.connect(self.hub.url, namespaces=["/chat"], auth={"name": "late"})
            try:
                history = late_seen.wait("history")[0][0]
                self.assertTrue(any(m["text"] == "salam dari web" for m in history), history)
            finally:
                late.disconnect()
            self.assertNotIn("Error!", rizky.text())
        finally:
            for program in (rizky, fatur):
                if program:
                    program.stop()
            if web.connected:
                web.disconnect()
            os.unlink(script)

    def test_chat_over_telnet(self):
        # A hub of its own: no leave notice of another test's users can arrive in between.
        with Hub() as hub, LineClient(hub.chat_port) as andi, LineClient(hub.chat_port) as sari:
            for user, name in ((andi, "andi"), (sari, "sari")):
                prompt = b""
                while len(prompt) < 5:
                    prompt += user.sock.recv(5 - len(prompt))
                self.assertEqual(prompt, b"user?")  # exactly, no newline
                user.send(name + "\r\n")
                self.assertEqual(user.read_line(), f"{name} Telah bergabung ke dalam chat !\r")
                self.assertEqual(user.read_line(), "Kamu telah terhubung !\r")
            self.assertEqual(andi.read_line(), "sari Telah bergabung ke dalam chat !\r")
            andi.send("halo semua\r\n")
            self.assertEqual(andi.read_line(), "halo semua\r")
            self.assertEqual(sari.read_line(), "halo semua\r")
            sari.close()
            self.assertEqual(andi.read_line(), "sari telah meninggalkan room chat !\r")

    def test_python_socketio_sender_and_receiver(self):
        replace = {"localhost:5000": f"127.0.0.1:{self.hub.http_port}"}
        sender_script = course_fixture("course_sender.py", replace)
        receiver_script = course_fixture("course_receiver.py", replace)
        watcher = socketio.Client()
        seen = Recorder()
        watcher.on("welcome_message", lambda text: seen.add("welcome_message", text))
        watcher.on("message", lambda text: seen.add("message", text))
        watcher.on("pesan", lambda *args: seen.add("pesan", *args))
        receiver = sender = None
        try:
            watcher.connect(self.hub.url)
            welcome = seen.wait("welcome_message")
            self.assertEqual(welcome[0][0], "Welcome to the WebSocket server!")

            receiver = Program([PYTHON, "-u", receiver_script])
            sender = Program([PYTHON, "-u", sender_script])
            sender.wait_for("message to send : ")
            # receiver.py registers its handler just after connecting: probe until it prints.
            deadline = time.monotonic() + 20
            probe = 0
            while "receive message : probe" not in receiver.text():
                self.assertLess(time.monotonic(), deadline, receiver.text())
                probe += 1
                sender.type(f"probe {probe}")
                time.sleep(0.5)
            sender.type("halo dari sender")
            receiver.wait_for("receive message : halo dari sender")
            # Relayed to everyone on `/`, the sender included: the watcher sees it too, and the
            # watcher's own message comes back to itself.
            seen.wait("message", lambda a: a[0] == "halo dari sender")
            watcher.emit("message", "dari watcher")
            seen.wait("message", lambda a: a[0] == "dari watcher")
            receiver.wait_for("receive message : dari watcher")
            watcher.emit("pesan", {"isi": "pesan satu", "n": 1})
            seen.wait("pesan", lambda a: a[0] == {"isi": "pesan satu", "n": 1})
            self.assertNotIn("Traceback", receiver.text())
            self.assertNotIn("Traceback", sender.text())
        finally:
            for program in (sender, receiver):
                if program:
                    program.stop()
            if watcher.connected:
                watcher.disconnect()
            os.unlink(sender_script)
            os.unlink(receiver_script)


if __name__ == "__main__":
    unittest.main(verbosity=2)
