"""The REST API's queries (docs/rest.md): readings paged with before/after cursors and a `next`
cursor, the wide shape (one row per timestamp) in JSON and CSV, a device's text messages, the
command list by device and state and one command by id; numbers written as people write them
(22.2, not 2.22E1) in JSON, CSV and the dashboard's Socket.IO events; every bad query a 400 with a
JSON body."""

import csv
import http.client
import io
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, error_body, wait_until  # noqa: E402

# A number in exponent form (2.22E1, 1e+21) outside quotes would show Boost.JSON's formatting.
EXPONENT = re.compile(rb"[0-9][eE][-+]?[0-9]")


class RestQueries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()
        cls.gh = cls.hub.device("gh-q", attrs="kind=sensor")
        # Distinct timestamps a few ms apart: one wide row each.
        for line in ("temp=22.2 hum=61", "temp=22 hum=60.5", '{"temp": 23.5, "status": "ok, dry"}',
                     "temp=-0.5 hum=1e-7", "pump started", "hello, \"world\""):
            assert cls.gh.request(line) == "OK", line
            time.sleep(0.005)

    @classmethod
    def tearDownClass(cls):
        cls.gh.close()
        cls.hub.close()

    def expect_error(self, path, status, code=None, method="GET", body=None):
        got, headers, data = self.hub.http(method, path, body=body)
        self.assertEqual(got, status, (path, data))
        self.assertTrue(headers.get("content-type", "").startswith("application/json"), headers)
        error = error_body(self, data)
        if code:
            self.assertEqual(error["code"], code, error)
        return error

    # -- numbers ---------------------------------------------------------------------------------

    def test_numbers_as_people_write_them_in_json_and_csv(self):
        status, _, raw = self.hub.http("GET", "/api/devices/gh-q/readings")
        self.assertEqual(status, 200)
        self.assertIn(b'"key":"temp","value":22.2,', raw)
        self.assertIn(b'"key":"temp","value":22,', raw)  # a whole number stays whole
        self.assertIn(b'"key":"hum","value":60.5,', raw)
        self.assertIn(b'"key":"temp","value":-0.5,', raw)
        self.assertIn(b'"key":"hum","value":1e-7,', raw)  # JavaScript's form for tiny numbers
        self.assertIsNone(EXPONENT.search(raw.replace(b"1e-7", b"")), raw)
        status, _, raw = self.hub.http("GET", "/api/devices")
        self.assertIn(b'"latest":{"hum":1e-7,"temp":-0.5}', raw)
        # (1e+21: the dashboard test's device may be there too.)
        self.assertIsNone(EXPONENT.search(raw.replace(b"1e-7", b"").replace(b"1e+21", b"")), raw)
        _, _, data = self.hub.http("GET", "/api/devices/gh-q/readings?format=csv")
        rows = list(csv.reader(io.StringIO(data.decode())))
        self.assertIn(["temp", "22.2", ""], [r[1:] for r in rows])
        self.assertIn(["temp", "22", ""], [r[1:] for r in rows])
        self.assertIn(["hum", "1e-7", ""], [r[1:] for r in rows])

    def test_dashboard_events_carry_plain_numbers(self):
        # The raw Engine.IO long-polling text of /dashboard, to see the numbers as sent.
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.http_port, timeout=10)
        try:
            def request(method, body=None, sid=None):
                path = "/socket.io/?EIO=4&transport=polling" + (f"&sid={sid}" if sid else "")
                conn.request(method, path, body=body)
                res = conn.getresponse()
                data = res.read()
                self.assertEqual(res.status, 200, data)
                return data
            sid = json.loads(request("GET")[1:])["sid"]
            self.assertEqual(request("POST", b"40/dashboard,", sid), b"ok")
            snapshot = b""
            for _ in range(5):
                snapshot += request("GET", sid=sid)
                if b'"snapshot"' in snapshot:
                    break
            self.assertIn(b'"snapshot"', snapshot)
            self.assertIn(b'"temp":-0.5', snapshot)  # the devices' latest values
            with self.hub.device("gh-dash") as device:
                self.assertEqual(device.request("temp=22.2 hum=61.0 lux=1000000000000000000000"),
                                 "OK")
                seen = b""
                deadline = time.monotonic() + 10
                while b'"telemetry"' not in seen and time.monotonic() < deadline:
                    seen += request("GET", sid=sid)
            self.assertIn(b'"values":{"temp":22.2,"hum":61,"lux":1e+21}', seen)
            self.assertIsNone(EXPONENT.search(seen.replace(b"1e+21", b"")), seen)
        finally:
            conn.close()

    # -- paging ----------------------------------------------------------------------------------

    def test_readings_page_back_and_forward_with_cursors(self):
        everything = self.hub.get_json("/api/devices/gh-q/readings")
        self.assertIsNone(everything["next"])
        rows = everything["readings"]
        self.assertEqual(len(rows), 8)
        pages, path, seen = 0, "/api/devices/gh-q/readings?limit=3", []
        while True:
            body = self.hub.get_json(path)
            seen = body["readings"] + seen
            pages += 1
            if body["next"] is None:
                break
            self.assertEqual(body["next"], f'{body["readings"][0]["ts"]}:{body["readings"][0]["id"]}')
            path = f"/api/devices/gh-q/readings?limit=3&before={body['next']}"
            self.assertLess(pages, 10)
        self.assertEqual(pages, 3)
        self.assertEqual(seen, rows)
        forward, cursor = [], "0:0"
        for _ in range(10):
            body = self.hub.get_json(f"/api/devices/gh-q/readings?limit=4&after={cursor}")
            forward += body["readings"]
            if body["next"] is None:
                break
            cursor = body["next"]
        self.assertEqual(forward, rows)
        # The cursor's page in CSV too, with the next cursor in a header.
        status, headers, data = self.hub.http("GET", "/api/devices/gh-q/readings?format=csv&limit=3")
        self.assertEqual(status, 200)
        self.assertEqual(len(data.decode().strip().split("\n")), 4)
        self.assertEqual(headers["next-cursor"], f'{rows[-3]["ts"]}:{rows[-3]["id"]}')

    def test_bad_cursors_shapes_and_limits_are_400(self):
        base = "/api/devices/gh-q/readings"
        for query in ("before=abc", "after=1:x", "before=1:2:3", "after=", "before=1", "after=+1:2",
                      "before=1.5:2"):
            error = self.expect_error(f"{base}?{query}", 400, "bad_cursor")
            self.assertIn("cursor", error["message"])
            self.expect_error(f"/api/devices/gh-q/messages?{query}", 400, "bad_cursor")
        for query in ("shape=tall", "limit=0", "limit=100001", "shape=wide&limit=10001",
                      "format=xml", "limit=ten"):
            self.expect_error(f"{base}?{query}", 400, "bad_query")
        self.expect_error("/api/devices/gh-q/messages?limit=0", 400, "bad_query")
        self.expect_error("/api/devices/ghost/messages", 404, "unknown_device")
        self.expect_error("/api/devices/gh-q/messages", 405, "method_not_allowed", method="POST",
                          body="{}")

    # -- wide shape ------------------------------------------------------------------------------

    def test_wide_shape_json_and_csv(self):
        body = self.hub.get_json("/api/devices/gh-q/readings?shape=wide")
        self.assertEqual(body["shape"], "wide")
        self.assertEqual(body["columns"], ["ts", "hum", "status", "temp"])
        self.assertIsNone(body["next"])
        values = [row[1:] for row in body["rows"]]
        self.assertEqual(values, [[61, None, 22.2], [60.5, None, 22], [None, "ok, dry", 23.5],
                                  [1e-7, None, -0.5]])
        times = [row[0] for row in body["rows"]]
        self.assertEqual(times, sorted(set(times)))
        # Pages of whole rows.
        newest = self.hub.get_json("/api/devices/gh-q/readings?shape=wide&limit=3")
        self.assertEqual(newest["rows"], body["rows"][1:])
        older = self.hub.get_json(f"/api/devices/gh-q/readings?shape=wide&limit=3&before={newest['next']}")
        # A page's columns are the keys it holds: this one has no "status".
        self.assertEqual(older["columns"], ["ts", "hum", "temp"])
        self.assertEqual(older["rows"], [[times[0], 61, 22.2]])
        self.assertIsNone(older["next"])

        status, headers, data = self.hub.http("GET", "/api/devices/gh-q/readings?shape=wide&format=csv")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/csv"))
        table = list(csv.reader(io.StringIO(data.decode())))
        self.assertEqual(table[0], ["ts", "hum", "status", "temp"])
        self.assertEqual([r[1:] for r in table[1:]],
                         [["61", "", "22.2"], ["60.5", "", "22"], ["", "ok, dry", "23.5"],
                          ["1e-7", "", "-0.5"]])
        self.assertEqual([int(r[0]) for r in table[1:]], times)

    # -- text messages ---------------------------------------------------------------------------

    def test_text_messages(self):
        body = self.hub.get_json("/api/devices/gh-q/messages")
        self.assertEqual(body["device"], "gh-q")
        self.assertEqual([m["text"] for m in body["messages"]], ["pump started", 'hello, "world"'])
        self.assertIsNone(body["next"])
        last = self.hub.get_json("/api/devices/gh-q/messages?limit=1")
        self.assertEqual([m["text"] for m in last["messages"]], ['hello, "world"'])
        first = self.hub.get_json(f"/api/devices/gh-q/messages?limit=1&before={last['next']}")
        self.assertEqual([m["text"] for m in first["messages"]], ["pump started"])
        self.assertIsNone(first["next"])

    # -- commands --------------------------------------------------------------------------------

    def test_commands_by_state_device_and_id(self):
        with self.hub.device("lamp-q") as lamp:
            acked = self.hub.post_json("/api/devices/lamp-q/commands", {"command": "lamp-on"})
            self.assertEqual(lamp.read_line(), "lamp-on")
            lamp.send("OK\n")
            failed = self.hub.post_json("/api/devices/lamp-q/commands", {"command": "lamp-off"})
            self.assertEqual(lamp.read_line(), "lamp-off")
            lamp.send("ERR relay stuck\n")
            acked_id = acked["commands"][0]["id"]
            failed_id = failed["commands"][0]["id"]
            wait_until(lambda: self.hub.get_json(f"/api/commands/{acked_id}")["state"] == "acked"
                       and self.hub.get_json(f"/api/commands/{failed_id}")["state"] == "failed",
                       what="the replies stored")
        wait_until(lambda: not self.hub.devices()["lamp-q"]["online"], what="lamp-q offline")
        sent = self.hub.post_json("/api/devices/lamp-q/commands", {"command": "blink"})
        queued_id = sent["commands"][0]["id"]
        self.assertEqual(sent["commands"][0]["state"], "queued")

        one = self.hub.get_json(f"/api/commands/{acked_id}")
        self.assertEqual((one["device"], one["command"], one["state"], one["reply"], one["source"]),
                         ("lamp-q", "lamp-on", "acked", "OK", "rest"))
        self.assertIn("sent", one)
        self.assertIn("acked", one)
        self.assertEqual(self.hub.get_json(f"/api/commands/{failed_id}")["reply"], "ERR relay stuck")

        listed = self.hub.get_json("/api/commands?device=lamp-q")
        self.assertEqual([c["id"] for c in listed["commands"]], [queued_id, failed_id, acked_id])
        self.assertIsNone(listed["next"])
        for state, ids in (("acked", [acked_id]), ("failed", [failed_id]), ("queued", [queued_id]),
                           ("sent", [])):
            got = self.hub.get_json(f"/api/commands?device=lamp-q&state={state}")["commands"]
            self.assertEqual([c["id"] for c in got], ids, state)
            self.assertTrue(all(c["state"] == state for c in got))
        page = self.hub.get_json("/api/commands?device=lamp-q&limit=2")
        self.assertEqual([c["id"] for c in page["commands"]], [queued_id, failed_id])
        self.assertEqual(page["next"], failed_id)
        rest = self.hub.get_json(f"/api/commands?device=lamp-q&limit=2&before={page['next']}")
        self.assertEqual([c["id"] for c in rest["commands"]], [acked_id])
        self.assertIsNone(rest["next"])
        newer = self.hub.get_json(f"/api/commands?device=lamp-q&after={acked_id}")
        self.assertEqual([c["id"] for c in newer["commands"]], [queued_id, failed_id])
        self.assertIn(queued_id, [c["id"] for c in self.hub.get_json("/api/commands")["commands"]])

    def test_bad_command_queries(self):
        error = self.expect_error("/api/commands?state=expired", 400, "bad_query")
        self.assertIn("queued, sent, acked, failed", error["message"])
        self.expect_error("/api/commands?state=", 400, "bad_query")
        self.expect_error("/api/commands?limit=0", 400, "bad_query")
        self.expect_error("/api/commands?limit=1001", 400, "bad_query")
        self.expect_error("/api/commands?before=1:2", 400, "bad_cursor")
        self.expect_error("/api/commands?after=x", 400, "bad_cursor")
        self.expect_error("/api/commands?device=", 400, "bad_query")
        self.expect_error("/api/commands?device=ghost", 404, "unknown_device")
        self.expect_error("/api/commands/999999", 404, "unknown_command")
        for bad in ("abc", "0", "-3", "1x", "99999999999999999999"):
            self.expect_error(f"/api/commands/{bad}", 400, "bad_request")
        self.expect_error("/api/commands/1", 405, "method_not_allowed", method="DELETE")
        self.expect_error("/api/commands/1/extra", 404, "not_found")


if __name__ == "__main__":
    unittest.main(verbosity=2)
