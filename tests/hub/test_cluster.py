"""Two `soket serve` nodes on one store and one Redis (docs/hub-cluster.md): a device connected to
either node is online for both, with its node; a command posted to one node reaches the device on
the other, once, and the ack says so on every node; a command for an offline device waits and
reaches it on whichever node it comes back to; a dashboard on one node sees the telemetry of a
device on the other; the TCP chat of both nodes is one conversation; readings are stored once.
Then SIGKILL of a node in a burst of readings: no acknowledged reading is lost, its devices go
offline within seconds, and the rules go on firing once, from the survivor.

The store: $SOKET_HUB_STORE (see hubcluster.py); by default the nodes share one SQLite file."""

import os
import signal
import socket
import sys
import threading
import time
import unittest

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubcluster import HubCluster  # noqa: E402
from hubtest import LineClient, tcp_user, wait_until  # noqa: E402

RULES = """
[[village.alleys]]
name = "Gang 1"
light_sensor = "light-1"
group = "gang-1"
on_below = 50
off_above = 400

[[village.greenhouses]]
name = "GH 1"
device = "greenhouse-1"
temp = { min = 18, max = 32 }
"""

OFFLINE_WITHIN_S = 8.0  # node heartbeat TTL 3 s + lease TTL 3 s + a tick, with a margin


def failed(test):
    """Whether `test` has failed so far (in its tearDown: the test method's own outcome)."""
    result = getattr(getattr(test, "_outcome", None), "result", None)
    return bool(result) and any(t is test for t, _ in result.failures + result.errors)


def close_cluster(test, cluster):
    """Stops the nodes; a failed test first prints the end of every node's log."""
    if failed(test):
        cluster.print_logs()
    cluster.close()


class TwoNodeCase(unittest.TestCase):
    """Nodes a and b with the village's rules, stopped after each test (logs printed on failure)."""

    def setUp(self):
        self.cluster = HubCluster(("a", "b"), config_text=RULES)

    def tearDown(self):
        close_cluster(self, self.cluster)

    def leader_and_other(self):
        """The leading node and the other one."""
        leader = self.cluster.leader()
        other = "b" if leader == "a" else "a"
        return self.cluster[leader], self.cluster[other]


def device_on(node, name, timeout=10):
    return wait_until(lambda: node.devices().get(name), timeout, what=f"{name} on {node.url}")


def read_until(user, wanted, limit=20):
    for _ in range(limit):
        line = user.read_line()
        if line == wanted:
            return line
    raise AssertionError(f"{wanted!r} never came")


def take(test, device, wanted):
    """The next line the device gets is `wanted`; the device answers OK (acked: not sent again)."""
    test.assertEqual(device.read_line(), wanted)
    device.send("OK\n")


def commands_of(hub, device_id, command=None):
    rows = hub.get_json(f"/api/commands?device={device_id}&limit=1000")["commands"]
    return [c for c in rows if command is None or c["command"] == command]


class TwoNodes(unittest.TestCase):
    def setUp(self):
        self.cluster = HubCluster(("a", "b"))
        self.a, self.b = self.cluster["a"], self.cluster["b"]
        self.cluster.leader()  # the cluster has settled

    def tearDown(self):
        close_cluster(self, self.cluster)

    def test_presence_commands_dashboard_chat(self):
        a, b = self.a, self.b
        dev = a.device("esp-1", attrs="group=kebun kind=sensor")
        try:
            # Presence: online on both, with the node that holds it.
            seen = wait_until(lambda: (b.devices().get("esp-1") or {}).get("online") and
                              b.devices()["esp-1"], what="esp-1 online on b")
            self.assertEqual(seen["node"], "a")
            self.assertEqual(a.devices()["esp-1"]["node"], "a")
            self.assertEqual(a.get_json("/healthz")["devices_online"], 1)
            self.assertEqual(b.get_json("/healthz")["devices_online"], 1)

            # A dashboard on b sees the telemetry of a device on a, within a second.
            got = []
            arrived = threading.Event()
            dash = socketio.Client(reconnection=False)

            def on_telemetry(t):
                if t.get("device") == "esp-1":
                    got.append((time.monotonic(), t))
                    arrived.set()

            dash.on("telemetry", on_telemetry, namespace="/dashboard")
            dash.connect(b.url, namespaces=["/dashboard"], wait_timeout=10)
            try:
                sent_at = time.monotonic()
                self.assertEqual(dev.request("temp=21.5"), "OK")
                self.assertTrue(arrived.wait(1.0), "no telemetry on b's dashboard within 1 s")
                self.assertLess(got[0][0] - sent_at, 1.0)
                self.assertEqual(got[0][1]["values"], {"temp": 21.5})
            finally:
                dash.disconnect()

            # Readings are stored once, whichever node is asked.
            for i in range(20):
                self.assertEqual(dev.request(f"temp={i}"), "OK")
            self.assertEqual(len(b.readings("esp-1")), 21)
            self.assertEqual(len(a.readings("esp-1")), 21)

            # A command posted to b reaches the device's socket on a, once; the ack says sent.
            ack = b.post_json("/api/commands", {"to": "esp-1", "command": "led-on"})
            self.assertTrue(ack["ok"], ack)
            self.assertEqual([(c["device"], c["state"]) for c in ack["commands"]],
                             [("esp-1", "sent")], ack)
            take(self, dev, "led-on")
            ack = a.post_json("/api/commands", {"to": "esp-1", "command": "marker"})
            self.assertEqual(ack["commands"][0]["state"], "sent", ack)
            take(self, dev, "marker")  # nothing came twice
            self.assertEqual(len(commands_of(b, "esp-1", "led-on")), 1)

            # A group covers the devices of both nodes; "*" too.
            other = b.device("esp-2", attrs="group=kebun")
            try:
                device_on(a, "esp-2")
                wait_until(lambda: a.devices()["esp-2"].get("online"), what="esp-2 online on a")
                for node, target in ((a, "group:kebun"), (b, "*")):
                    ack = node.post_json("/api/commands", {"to": target, "command": "pump-on"})
                    states = sorted((c["device"], c["state"]) for c in ack["commands"])
                    self.assertEqual(states, [("esp-1", "sent"), ("esp-2", "sent")], ack)
                    take(self, dev, "pump-on")
                    take(self, other, "pump-on")
            finally:
                other.close()

            # Away: the command waits (queued) and reaches it when it comes back on the other node.
            dev.close()
            wait_until(lambda: not b.devices()["esp-1"]["online"], what="esp-1 offline on b")
            ack = a.post_json("/api/commands", {"to": "esp-1", "command": "valve-open"})
            self.assertEqual(ack["commands"][0]["state"], "queued", ack)
            ack = b.post_json("/api/commands", {"to": "esp-1", "command": "valve-close"})
            self.assertEqual(ack["commands"][0]["state"], "queued", ack)
            dev = b.device("esp-1", attrs="group=kebun")
            take(self, dev, "valve-open")
            take(self, dev, "valve-close")
            wait_until(lambda: a.devices()["esp-1"].get("node") == "b" and
                       a.devices()["esp-1"]["online"], what="esp-1 on node b, seen from a")
            ack = a.post_json("/api/commands", {"to": "esp-1", "command": "marker-2"})
            self.assertEqual(ack["commands"][0]["state"], "sent", ack)
            take(self, dev, "marker-2")
            for c in ("valve-open", "valve-close", "marker-2"):
                wait_until(lambda: [x["state"] for x in commands_of(a, "esp-1", c)] == ["acked"],
                           what=f"{c} acked once")
        finally:
            dev.close()

    def test_a_starting_node_sees_the_others_devices_and_marks_only_its_own_offline(self):
        a, b = self.a, self.b
        on_a = a.device("esp-a")
        on_b = b.device("esp-b")
        try:
            for name in ("esp-a", "esp-b"):
                wait_until(lambda: all((n.devices().get(name) or {}).get("online") for n in (a, b)),
                           what=f"{name} online on both")
            # b crashes and comes back under the same name: its own device is offline (its
            # connection died with it), a's is still online on a, as the store says.
            b.kill()
            on_b.close()
            b.start()
            devices = b.devices()
            self.assertFalse(devices["esp-b"]["online"], devices["esp-b"])
            self.assertTrue(devices["esp-a"]["online"], devices["esp-a"])
            self.assertEqual(devices["esp-a"]["node"], "a")
            self.assertTrue(a.devices()["esp-a"]["online"])
            # A third node started now knows esp-a from the store alone, and reaches it.
            c = self.cluster.add("c")
            self.assertEqual((c.devices()["esp-a"]["online"], c.devices()["esp-a"]["node"]),
                             (True, "a"))
            ack = c.post_json("/api/devices/esp-a/commands", {"command": "blink"})
            self.assertEqual(ack["commands"][0]["state"], "sent", ack)
            take(self, on_a, "blink")
        finally:
            on_a.close()
            on_b.close()

    def test_tcp_chat_and_web_chat_are_one_conversation(self):
        a, b = self.a, self.b
        rina = tcp_user(a, "rina")
        budi = tcp_user(b, "budi")
        web = socketio.Client(reconnection=False)
        web_lines = []
        web.on("message", lambda m: web_lines.append(m), namespace="/chat")
        web.connect(b.url, namespaces=["/chat"], auth={"name": "sari"}, wait_timeout=10)
        try:
            read_until(rina, "budi Telah bergabung ke dalam chat !")
            rina.send("rina: halo dari a\n")
            read_until(budi, "rina: halo dari a")
            budi.send("budi: halo dari b\n")
            read_until(rina, "budi: halo dari b")
            # Lines of two nodes said within milliseconds may come in either order on the web
            # (the /chat event and the TCP relay travel on different Redis connections).
            wait_until(lambda: sorted(m["text"] for m in web_lines) == ["halo dari a", "halo dari b"],
                       what="both lines on b's /chat, once each")
            web.call("message", "halo dari web", namespace="/chat")
            read_until(rina, "sari: halo dari web")
            read_until(budi, "sari: halo dari web")
            # Stored once each.
            texts = [m["text"] for m in a.get_json("/api/chat?limit=50")["messages"]]
            for text in ("halo dari a", "halo dari b", "halo dari web"):
                self.assertEqual(texts.count(text), 1, texts)
        finally:
            web.disconnect()
            rina.close()
            budi.close()


class OnceOnly(unittest.TestCase):
    def test_a_command_claimed_by_several_paths_at_once_is_written_once(self):
        """A queued command, its device connecting to a while "deliver" requests for it arrive
        (as from other nodes): the reconnect's delivery and the requests race on node a, and one
        of them writes it (the node's claim, then the store's queued -> sent transition)."""
        with HubCluster(("a", "b")) as cluster:
            a, b = cluster["a"], cluster["b"]
            first = a.device("esp-7")
            first.close()
            wait_until(lambda: "esp-7" in b.devices() and not b.devices()["esp-7"]["online"],
                       what="esp-7 known and offline on b")
            ack = b.post_json("/api/commands", {"to": "esp-7", "command": "door-open"})
            command = ack["commands"][0]
            self.assertEqual(command["state"], "queued", ack)
            deliver = ('{"t":"deliver","from":"z","commands":[{"device":"esp-7","id":%d}]}'
                       % command["id"]).encode()
            with socket.create_connection(("127.0.0.1", cluster.redis.port)) as r:
                dev = LineClient(a.tcp_port)
                try:
                    dev.send("HELLO esp-7\n")
                    for _ in range(5):
                        r.sendall(b"*3\r\n$7\r\nPUBLISH\r\n$9\r\nsoket:hub\r\n$%d\r\n%s\r\n"
                                  % (len(deliver), deliver))
                    lines = [dev.read_line(), dev.read_line()]
                    self.assertEqual(sorted(lines), ["OK", "door-open"])
                    a.post_json("/api/commands", {"to": "esp-7", "command": "marker"})
                    self.assertEqual(dev.read_line(), "marker")  # door-open came once
                finally:
                    dev.close()


class NodeDies(TwoNodeCase):
    def test_sigkill_loses_no_acknowledged_reading_and_rules_fire_once_from_the_survivor(self):
        leader, follower = self.leader_and_other()

        # Lamps on both nodes; the light sensor and the greenhouse on the follower: their
        # readings drive the leader's rules.
        lamp_l = leader.device("lamp-1", attrs="group=gang-1 kind=lamp")
        lamp_f = follower.device("lamp-2", attrs="group=gang-1 kind=lamp")
        sensor = follower.device("light-1", attrs="kind=light")
        greenhouse = follower.device("greenhouse-1")
        devices = [lamp_l, lamp_f, sensor, greenhouse]
        try:
            for name in ("lamp-1", "lamp-2", "light-1", "greenhouse-1"):
                for node in (leader, follower):
                    wait_until(lambda: (node.devices().get(name) or {}).get("online"),
                               what=f"{name} online on {node.url}")
            # Dusk, read on the follower: both lamps get lamp-on once.
            for light in (300, 20, 10, 5):
                self.assertEqual(sensor.request(f"light={light}"), "OK")
            self.assertEqual(lamp_l.read_line(), "lamp-on")
            self.assertEqual(lamp_f.read_line(), "lamp-on")
            # A hot greenhouse on the follower switches its fan (on the follower) once.
            for temp in (25, 35, 36):
                self.assertEqual(greenhouse.request(f"temp={temp}"), "OK")
            self.assertEqual(greenhouse.read_line(), "fan-on")

            # A burst of readings from a device on the leader; the leader is killed in its middle.
            burst = leader.device("burst-1")
            wait_until(lambda: (follower.devices().get("burst-1") or {}).get("online"),
                       what="burst-1 online on the follower")
            acked = 0
            stop_at = 150

            def send_burst():
                nonlocal acked
                try:
                    for i in range(100000):
                        if burst.request(f"n={i}") != "OK":
                            return
                        acked += 1
                except (ConnectionError, AssertionError, OSError):
                    return

            sender = threading.Thread(target=send_burst)
            sender.start()
            wait_until(lambda: acked >= stop_at, what="the burst under way")
            leader.kill()
            sender.join(timeout=15)
            self.assertFalse(sender.is_alive())
            stored = len(follower.readings("burst-1"))
            self.assertGreaterEqual(stored, acked, f"{acked} acknowledged, {stored} stored")
            self.assertLessEqual(stored, acked + 1)  # at most the one whose OK was lost

            # Its devices go offline within seconds, for the survivor.
            killed_at = time.monotonic()
            wait_until(lambda: not any(follower.devices()[d]["online"] for d in ("lamp-1", "burst-1")),
                       OFFLINE_WITHIN_S, interval=0.1, what="the dead node's devices offline")
            self.assertLess(time.monotonic() - killed_at, OFFLINE_WITHIN_S)
            self.assertTrue(follower.devices()["lamp-2"]["online"])
            self.cluster.leader()  # the survivor leads now
            self.assertTrue(follower.get_json("/healthz")["leader"])

            # Dawn, then dusk again: the survivor's rules fire once each.
            for light in (500, 450):
                self.assertEqual(sensor.request(f"light={light}"), "OK")
            self.assertEqual(lamp_f.read_line(), "lamp-off")
            for light in (30, 10):
                self.assertEqual(sensor.request(f"light={light}"), "OK")
            self.assertEqual(lamp_f.read_line(), "lamp-on")
            follower.post_json("/api/commands", {"to": "lamp-2", "command": "marker"})
            self.assertEqual(lamp_f.read_line(), "marker")
            # In the store: lamp-on twice and lamp-off once for lamp-2 (not once per node);
            # lamp-1 was dead at dawn: its lamp-off waits for it, queued.
            self.assertEqual(len(commands_of(follower, "lamp-2", "lamp-on")), 2)
            self.assertEqual(len(commands_of(follower, "lamp-2", "lamp-off")), 1)
            self.assertEqual(len(commands_of(follower, "greenhouse-1", "fan-on")), 1)
            lamp1 = commands_of(follower, "lamp-1")
            self.assertEqual(sorted(c["command"] for c in lamp1), ["lamp-off", "lamp-on", "lamp-on"])
        finally:
            for d in devices:
                d.close()


class NodeLate(TwoNodeCase):
    """A node that is only late (stopped longer than its heartbeat's TTL) is taken for dead, and
    its devices go offline; once it runs again they are online again, everywhere and in the store,
    and take commands."""

    def test_a_stopped_node_gets_its_devices_back_online_when_it_runs_again(self):
        leader, late = self.leader_and_other()
        late_name = "a" if late is self.cluster["a"] else "b"
        lamp = late.device("lamp-9", attrs="group=gang-2 kind=lamp")
        try:
            wait_until(lambda: (leader.devices().get("lamp-9") or {}).get("online"),
                       what="lamp-9 online for the leader")
            late.process.send_signal(signal.SIGSTOP)
            try:
                wait_until(lambda: not leader.devices()["lamp-9"]["online"], OFFLINE_WITHIN_S,
                           interval=0.1, what="lamp-9 offline while its node is stopped")
            finally:
                late.process.send_signal(signal.SIGCONT)
            wait_until(lambda: leader.devices()["lamp-9"]["online"], OFFLINE_WITHIN_S,
                       interval=0.1, what="lamp-9 online again for the leader")
            self.assertEqual(leader.devices()["lamp-9"]["node"], late_name)
            ack = leader.post_json("/api/commands", {"to": "lamp-9", "command": "lamp-on"})
            self.assertEqual(lamp.read_line(), "lamp-on", ack)
            # A node started now reads it from the store: online, on the late node.
            third = self.cluster.add("c")
            wait_until(lambda: (third.devices().get("lamp-9") or {}).get("online"),
                       what="lamp-9 online for a node started afterwards")
            self.assertEqual(third.devices()["lamp-9"]["node"], late_name)
        finally:
            lamp.close()


class OverrideAcrossNodes(TwoNodeCase):
    """A manual "All off" asked of one node is an override on every node: a lamp that reconnects
    to the leader during it stays off."""

    def test_all_off_on_one_node_holds_on_the_leader(self):
        leader, other = self.leader_and_other()
        sensor = leader.device("light-1", attrs="kind=light")
        lamp = leader.device("lamp-5", attrs="group=gang-1 kind=lamp")
        dash = socketio.Client(reconnection=False)
        try:
            for node in (leader, other):
                wait_until(lambda: (node.devices().get("lamp-5") or {}).get("online"),
                           what=f"lamp-5 online on {node.url}")
            for light in (300, 20, 10):  # night falls
                self.assertEqual(sensor.request(f"light={light}"), "OK")
            self.assertEqual(lamp.read_line(), "lamp-on")
            lamp.send("OK\n")
            dash.connect(other.url, namespaces=["/dashboard"], wait_timeout=10)
            reply = dash.call("lamps-off", {}, namespace="/dashboard", timeout=10)
            self.assertTrue(reply["ok"], reply)
            self.assertEqual(lamp.read_line(), "lamp-off")
            lamp.send("OK\n")
            lamp.close()
            # Back on the leader during the override: it holds the lamp off, it does not switch
            # it on for the night.
            lamp = leader.device("lamp-5", attrs="group=gang-1 kind=lamp")
            self.assertEqual(lamp.read_line(), "lamp-off")
            lamp.send("OK\n")
            leader.post_json("/api/commands", {"to": "lamp-5", "command": "marker"})
            self.assertEqual(lamp.read_line(), "marker")
        finally:
            dash.disconnect()
            for device in (sensor, lamp):
                device.close()


class RedisAway(TwoNodeCase):
    """Redis goes away and comes back empty: what crossed pub/sub meanwhile was lost, and each
    node makes up for it when its link is back."""

    def test_commands_and_presence_of_the_outage_arrive_once_redis_is_back(self):
        leader, other = self.leader_and_other()
        other_name = "a" if other is self.cluster["a"] else "b"
        esp = leader.device("esp-away")
        late = None
        try:
            wait_until(lambda: (other.devices().get("esp-away") or {}).get("online"),
                       what="esp-away online on the other node")
            self.cluster.redis.stop()
            # Asked of the other node while no "deliver" can cross: queued.
            ack = other.post_json("/api/commands", {"to": "esp-away", "command": "led-on"})
            self.assertEqual(ack["commands"][0]["state"], "queued", ack)
            # A device that comes to the other node meanwhile: its presence cannot cross either.
            late = other.device("esp-late")
            time.sleep(0.5)
            self.assertNotIn("esp-late", {d for d, v in leader.devices().items() if v["online"]})
            self.cluster.redis.restart()
            # Once the links are back: the command is written, once; the presence is known.
            self.assertEqual(esp.read_line(timeout=15), "led-on")
            esp.send("OK\n")
            wait_until(lambda: (leader.devices().get("esp-late") or {}).get("online"), 15,
                       what="esp-late online on the leader after Redis came back")
            self.assertEqual(leader.devices()["esp-late"]["node"], other_name)
            other.post_json("/api/commands", {"to": "esp-away", "command": "marker"})
            self.assertEqual(esp.read_line(timeout=10), "marker")
            self.assertEqual(len(commands_of(leader, "esp-away", "led-on")), 1)
            self.cluster.leader()  # the cluster leads again
        finally:
            esp.close()
            if late:
                late.close()


class BadInput(unittest.TestCase):
    def test_garbage_on_the_hub_channel_is_dropped_and_the_node_goes_on(self):
        with HubCluster(("a",)) as cluster:
            a = cluster["a"]
            with socket.create_connection(("127.0.0.1", cluster.redis.port)) as r:
                def publish(payload):
                    r.sendall(b"*3\r\n$7\r\nPUBLISH\r\n$9\r\nsoket:hub\r\n$%d\r\n%s\r\n"
                              % (len(payload), payload))
                    return r.recv(64)

                # Once the node listens (a message of an unknown type is ignored quietly).
                wait_until(lambda: publish(b'{"t":"noop","from":"x"}') == b":1\r\n",
                           what="the node subscribed to soket:hub")
                for payload in (b"not json", b"[1,2]", b'{"t":"device"}', b'{"from":"x"}',
                                b'{"t":"deliver","from":"x","commands":7}',
                                b'{"t":"device","from":"x","device":{"id":5}}',
                                # Times far off are taken as now (no overflow: UBSan in ASan runs).
                                b'{"t":"lamps-off","from":"x","at":9223372036854775807}',
                                b'{"t":"lamps-off","from":"x","at":-9223372036854775807}',
                                b'{"t":"lamps-off","from":"x","at":"soon"}',
                                # Numbers no int64 holds are taken as missing (no cast).
                                b'{"t":"lamps-off","from":"x","at":1e300}',
                                b'{"t":"lamps-off","from":"x","at":18446744073709551615}',
                                b'{"t":"device","from":"x","device":{"id":"ghost","online":true,'
                                b'"node":"x","last_seen":-1e300,"first_seen":1.5}}',
                                b'{"t":"deliver","from":"x","commands":[{"device":"esp-9",'
                                b'"id":1e300}]}'):
                    self.assertEqual(publish(payload), b":1\r\n")
            dev = a.device("esp-9")
            try:
                self.assertEqual(dev.request("x=1"), "OK")
                self.assertIn("esp-9", a.devices())
            finally:
                dev.close()
            log = a.stderr() + a.stdout.decode(errors="replace")
            self.assertEqual(log.count("that is not a JSON object, dropped"), 2, log)
            self.assertEqual(log.count("without 'from' or 't', dropped"), 2, log)


if __name__ == "__main__":
    unittest.main(verbosity=2)
