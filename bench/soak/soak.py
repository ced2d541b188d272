#!/usr/bin/python3
"""A soak under faults: `soket serve` under mixed load while the run kills it, drops connections
and fills its disk; then every reading a device got `OK` for must be in the database.

Load (all on 127.0.0.1, free ports below 32768):
  - TCP devices: HELLO, then one reading line `n=<seq> temp=<x>` at a time, the next after the
    answer; `OK` means stored, `ERR ...` means not; reconnect with a short backoff when cut off;
  - UDP devices: readings as datagrams (no answer; counted only);
  - TCP chat users: answer `user?`, send lines, count the lines of the others they receive;
  - Socket.IO clients (python-socketio, WebSocket and long-polling): `message` broadcasts on "/"
    (each counts the others' it receives) and acked chat messages on "/chat" (the ack comes once
    the message is stored). Not "/dashboard": it streams every reading to every dashboard, more
    than a Python client keeps up with at 1 000 readings/s.
Faults:
  - SIGKILL of the hub every --kill-every seconds, restarted at once on the same ports;
  - a random device connection cut (RST) every --drop-every seconds, and now and then a
    Socket.IO client disconnected and connected again;
  - the data directory is a small tmpfs; once, for --full-seconds, a filler file takes all of
    its space: devices must get `ERR` (never an `OK` for a reading that is not stored), and `OK`s
    must come back once the filler is gone (needs root for the mount; skipped otherwise).
Report (stdout, JSON with --json): lines sent / acknowledged / refused / unanswered, stored
(counted in the database after the run), lost (acknowledged but not stored: must be 0), the hub's
RSS and open fds over time, device reconnect times after each kill, chat and Socket.IO counts.
Exit status 1 when an acknowledged reading is lost or a check fails.

  bench/soak/soak.py --soket build/release/src/soket/cli/soket --minutes 30 --devices 1000
  bench/soak/soak.py --soket build/dev/src/soket/cli/soket --minutes 2 --devices 200 \\
      --kill-every 40 --full-seconds 8      # the test command's version (ctest bench.soak)
"""
import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import benchlib  # noqa: E402

HOST = "127.0.0.1"


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


class HubProcess:
    """`soket serve` on fixed ports; start() again after kill() reuses them."""

    def __init__(self, soket, data_dir, log_path):
        self.ports = {"http": benchlib.free_port(), "tcp": benchlib.free_port(),
                      "udp": benchlib.free_port(kind=socket.SOCK_DGRAM),
                      "chat": benchlib.free_port()}
        self.argv = [soket, "serve", "--bind", HOST, "--http-port", str(self.ports["http"]),
                     "--tcp-port", str(self.ports["tcp"]), "--udp-port", str(self.ports["udp"]),
                     "--chat-port", str(self.ports["chat"]), "--data-dir", data_dir,
                     "--log-level", "warn"]
        self.log = open(log_path, "ab")
        self.proc = None
        self.starts = 0

    def start(self, timeout=20):
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=self.log)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"soket serve exited with {self.proc.returncode} at start")
            try:
                with socket.create_connection((HOST, self.ports["tcp"]), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("soket serve did not open its device port")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        return self.proc.returncode if self.proc else None


class Stats:
    def __init__(self):
        self.sent = self.acked = self.refused = self.unanswered = 0
        self.acked_seqs = {}    # device -> set of n acknowledged
        self.refused_seqs = {}  # device -> set of n refused
        self.errors = {}        # ERR text -> count
        self.ok_while_full = 0
        self.err_while_full = 0
        self.oks_after_full = None  # seconds from freeing the disk to the first OK
        self.reconnects = []        # seconds from a lost connection to HELLO's OK
        self.udp_sent = 0
        self.chat_sent = self.chat_seen = 0
        self.sio = {"sent": 0, "seen": 0, "acks": 0, "ack_errors": 0, "ack_timeouts": 0,
                    "reconnects": 0, "connect_failures": 0}
        self.sio_errors = {}  # exception text -> count
        self.lock = threading.Lock()


class Soak:
    def __init__(self, a):
        self.a = a
        self.stats = Stats()
        self.stop = False
        self.full = False          # the filler holds the disk
        self.freed_at = None       # monotonic time the filler went away
        self.workdir = tempfile.mkdtemp(prefix="soket-soak-")
        self.data_dir = os.path.join(self.workdir, "data")
        os.makedirs(self.data_dir)
        self.mounted = False
        self.mount_error = None
        if a.full_seconds > 0:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={a.disk_mb}m", "tmpfs",
                                self.data_dir], capture_output=True, text=True)
            self.mounted = r.returncode == 0
            self.mount_error = None if self.mounted else (r.stderr.strip() or "mount failed")
        self.hub = HubProcess(a.soket, self.data_dir, os.path.join(self.workdir, "hub.log"))
        self.samples = []  # (t, start number, rss kB, fds)
        self.kills = []    # {"at": t, "back_s": seconds until every device was back}
        self.t0 = None
        self.connected = set()

    # --- devices -------------------------------------------------------------------------

    async def device(self, i):
        name = f"soak-{i}"
        seq = 0
        lost_at = None
        rng = random.Random(i)
        await asyncio.sleep(rng.random() * self.a.interval)
        while not self.stop:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, self.hub.ports["tcp"]), 3)
            except (OSError, asyncio.TimeoutError):
                lost_at = lost_at or time.monotonic()
                await asyncio.sleep(0.2 + rng.random() * 0.3)
                continue
            try:
                writer.write(f"HELLO {name}\n".encode())
                reply = await asyncio.wait_for(reader.readline(), 5)
                if not reply.startswith(b"OK"):
                    raise ConnectionError(f"HELLO answered {reply!r}")
                if lost_at is not None:
                    self.stats.reconnects.append(time.monotonic() - lost_at)
                    lost_at = None
                self.connected.add(i)
                self.writers[i] = writer
                while not self.stop:
                    seq += 1
                    full = self.full
                    writer.write(f"n={seq} temp={20 + (seq % 100) / 10}\n".encode())
                    self.stats.sent += 1
                    try:
                        reply = await asyncio.wait_for(reader.readline(), 10)
                    except asyncio.TimeoutError:
                        reply = b""
                    if not reply:
                        self.stats.unanswered += 1
                        raise ConnectionError("closed")
                    if reply.startswith(b"OK"):
                        self.stats.acked += 1
                        self.stats.acked_seqs.setdefault(name, set()).add(seq)
                        if full and self.full:
                            self.stats.ok_while_full += 1
                        if self.freed_at and self.stats.oks_after_full is None and not self.full:
                            self.stats.oks_after_full = time.monotonic() - self.freed_at
                    else:
                        text = reply.decode(errors="replace").strip()
                        self.stats.refused += 1
                        self.stats.refused_seqs.setdefault(name, set()).add(seq)
                        self.stats.errors[text] = self.stats.errors.get(text, 0) + 1
                        if self.full:
                            self.stats.err_while_full += 1
                    await asyncio.sleep(self.a.interval * (0.5 + rng.random()))
            except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                pass
            finally:
                self.connected.discard(i)
                self.writers.pop(i, None)
                writer.close()
            lost_at = lost_at or time.monotonic()
            await asyncio.sleep(0.1 + rng.random() * 0.2)

    async def dropper(self):
        """Cuts a random device connection with a reset every --drop-every seconds."""
        rng = random.Random(7)
        while not self.stop:
            await asyncio.sleep(self.a.drop_every)
            if not self.writers:
                continue
            writer = self.writers.get(rng.choice(list(self.writers)))
            sock = writer.get_extra_info("socket") if writer else None
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()

    async def udp_devices(self):
        loop = asyncio.get_running_loop()
        transports = []
        for i in range(self.a.udp_devices):
            t, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                       local_addr=(HOST, 0))
            transports.append(t)
            t.sendto(f"HELLO soak-udp-{i}\n".encode(), (HOST, self.hub.ports["udp"]))
        seq = 0
        while not self.stop:
            seq += 1
            for t in transports:
                t.sendto(f"n={seq} hum={40 + seq % 20}\n".encode(), (HOST, self.hub.ports["udp"]))
                self.stats.udp_sent += 1
            await asyncio.sleep(1)
        for t in transports:
            t.close()

    # --- chat ----------------------------------------------------------------------------

    async def chat_user(self, i):
        rng = random.Random(100 + i)
        while not self.stop:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, self.hub.ports["chat"]), 3)
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.5)
                continue
            try:
                prompt = await asyncio.wait_for(reader.read(64), 5)
                if b"user?" not in prompt:
                    raise ConnectionError(f"no prompt: {prompt!r}")
                writer.write(f"soaker{i}\n".encode())

                async def listen():
                    while True:
                        data = await reader.read(65536)
                        if not data:
                            return
                        marks = data.count(b"soakmsg-")
                        self.stats.chat_seen += marks - data.count(f"soakmsg-{i}-".encode())

                listening = asyncio.ensure_future(listen())
                k = 0
                while not self.stop and not listening.done():
                    k += 1
                    writer.write(f"soakmsg-{i}-{k}\n".encode())
                    self.stats.chat_sent += 1
                    await asyncio.sleep(1 + rng.random())
                listening.cancel()
            except (OSError, ConnectionError, asyncio.TimeoutError):
                pass
            finally:
                writer.close()
            await asyncio.sleep(0.3)

    # --- Socket.IO (threads: python-socketio's sync client) --------------------------------

    def sio_client(self, i, transport):
        import logging

        import socketio  # Debian's python3-socketio

        # Its "packet queue is empty, aborting" lines each time the hub is killed: counted instead.
        logging.getLogger("engineio").setLevel(logging.CRITICAL)
        logging.getLogger("socketio").setLevel(logging.CRITICAL)

        url = f"http://{HOST}:{self.hub.ports['http']}"
        rng = random.Random(200 + i)
        sio = socketio.Client(reconnection=True, reconnection_delay=0.2,
                              reconnection_delay_max=1, request_timeout=10)
        me = f"sio{i}"

        @sio.on("message")
        def on_message(data):
            if isinstance(data, dict) and data.get("from") not in (None, me):
                with self.stats.lock:
                    self.stats.sio["seen"] += 1

        @sio.event
        def connect():
            with self.stats.lock:
                self.stats.sio["reconnects"] += 1

        def connect_once():
            try:
                sio.connect(url, namespaces=["/", "/chat"], transports=[transport],
                            wait_timeout=10)
                return True
            except Exception as e:  # noqa: BLE001 (any failure counts; the hub may be restarting)
                with self.stats.lock:
                    self.stats.sio["connect_failures"] += 1
                    why = f"{type(e).__name__}: {e}"[:80]
                    self.stats.sio_errors[why] = self.stats.sio_errors.get(why, 0) + 1
                return False

        while not self.stop and not connect_once():
            time.sleep(0.5)
        k = 0
        while not self.stop:
            time.sleep(0.5 + rng.random() * 0.5)
            k += 1
            try:
                if k % 2:
                    sio.emit("message", {"from": me, "k": k})
                    with self.stats.lock:
                        self.stats.sio["sent"] += 1
                else:
                    answer = sio.call("message", f"{me} says {k}", namespace="/chat", timeout=5)
                    ok = isinstance(answer, dict) and answer.get("ok") is True
                    with self.stats.lock:
                        self.stats.sio["acks" if ok else "ack_errors"] += 1
                if rng.random() < 0.02:  # now and then: gone and back
                    sio.disconnect()
                    time.sleep(0.2)
                    while not self.stop and not connect_once():
                        time.sleep(0.5)
            except Exception as e:  # noqa: BLE001 (timeouts, "not connected" while it restarts)
                with self.stats.lock:
                    self.stats.sio["ack_timeouts"] += 1
                    why = f"{type(e).__name__}: {e}"[:80]
                    self.stats.sio_errors[why] = self.stats.sio_errors.get(why, 0) + 1
        try:
            sio.disconnect()
        except Exception:  # noqa: BLE001
            pass

    # --- faults and sampling -----------------------------------------------------------------

    def sample(self):
        pid = self.hub.proc.pid
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, StopIteration):
            return
        self.samples.append((round(time.monotonic() - self.t0, 1), self.hub.starts, rss, fds))

    def fill_disk(self):
        """Takes every free byte of the data tmpfs with a filler file; returns its path."""
        filler = os.path.join(self.data_dir, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for size in (1 << 20, 4096, 1):
                block = b"\0" * size
                try:
                    while True:
                        os.write(fd, block)
                except OSError:
                    pass
        finally:
            os.close(fd)
        return filler

    async def faults(self):
        a = self.a
        duration = a.minutes * 60
        full_start = duration * 0.45 if self.mounted else None
        next_kill = a.kill_every
        loop = asyncio.get_running_loop()
        while not self.stop:
            t = time.monotonic() - self.t0
            if t >= duration:
                return
            if full_start is not None and t >= full_start and not self.full and \
                    self.freed_at is None:
                filler = await loop.run_in_executor(None, self.fill_disk)
                self.full = True
                await asyncio.sleep(a.full_seconds)
                os.remove(filler)
                self.full = False
                self.freed_at = time.monotonic()
                next_kill = max(next_kill, time.monotonic() - self.t0 + 5)
                continue
            near_full = full_start is not None and self.freed_at is None and \
                full_start - 5 <= t
            if a.kill_every > 0 and t >= next_kill and not near_full:
                self.sample()
                self.hub.kill()
                killed_at = time.monotonic()
                await loop.run_in_executor(None, self.hub.start)
                record = {"at_s": round(killed_at - self.t0, 1)}
                self.kills.append(record)
                loop.create_task(self.back_after_kill(record, killed_at))
                next_kill = t + a.kill_every
            await asyncio.sleep(0.2)

    async def back_after_kill(self, record, killed_at):
        await asyncio.sleep(0.5)
        deadline = killed_at + 60
        while time.monotonic() < deadline and len(self.connected) < self.a.devices:
            await asyncio.sleep(0.1)
        record["all_devices_back_s"] = round(time.monotonic() - killed_at, 2) \
            if len(self.connected) >= self.a.devices else None

    async def sampler(self):
        while not self.stop:
            self.sample()
            await asyncio.sleep(1)

    # --- the run -------------------------------------------------------------------------

    async def main(self):
        self.writers = {}
        self.t0 = time.monotonic()
        tasks = [asyncio.ensure_future(self.device(i)) for i in range(self.a.devices)]
        tasks += [asyncio.ensure_future(self.chat_user(i)) for i in range(self.a.chat_users)]
        tasks += [asyncio.ensure_future(x) for x in (self.udp_devices(), self.dropper(),
                                                    self.sampler())]
        await self.faults()
        self.stop = True
        await asyncio.sleep(0.5)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def run(self):
        self.hub.start()
        threads = [threading.Thread(target=self.sio_client,
                                    args=(i, "websocket" if i % 3 else "polling"), daemon=True)
                   for i in range(self.a.sio_clients)]
        for t in threads:
            t.start()
        try:
            asyncio.run(self.main())
        finally:
            self.stop = True
            for t in threads:
                t.join(timeout=15)
            status = self.hub.stop()
        return status

    def verify(self, stop_status):
        db = sqlite3.connect(os.path.join(self.data_dir, "soket.db"))
        stored = {}
        for device, value in db.execute(
                "SELECT device_id, value FROM readings WHERE key = 'n' AND device_id LIKE "
                "'soak-%' AND device_id NOT LIKE 'soak-udp-%'"):
            stored.setdefault(device, set()).add(int(value))
        udp_stored = db.execute("SELECT count(*) FROM readings WHERE key = 'n' AND device_id "
                                "LIKE 'soak-udp-%'").fetchone()[0]
        db.close()
        s = self.stats
        lost = sum(len(seqs - stored.get(d, set())) for d, seqs in s.acked_seqs.items())
        refused_but_stored = sum(len(seqs & stored.get(d, set()))
                                 for d, seqs in s.refused_seqs.items())
        by_start = {}
        for _, start, rss, fds in self.samples:
            by_start.setdefault(start, []).append((rss, fds))
        rss = [x[2] for x in self.samples]
        fds = [x[3] for x in self.samples]
        report = {
            "minutes": self.a.minutes, "devices": self.a.devices,
            "udp_devices": self.a.udp_devices, "chat_users": self.a.chat_users,
            "sio_clients": self.a.sio_clients,
            "lines_sent": s.sent, "acknowledged": s.acked, "refused": s.refused,
            "unanswered_when_cut": s.unanswered,
            "stored": sum(len(v) for v in stored.values()),
            "lost_acknowledged": lost, "refused_but_stored": refused_but_stored,
            "errors": s.errors,
            "kills": self.kills, "hub_starts": self.hub.starts,
            "hub_exit_on_sigterm": stop_status,
            "device_reconnect_s": {"count": len(s.reconnects),
                                   "p50": percentile(s.reconnects, 50),
                                   "p99": percentile(s.reconnects, 99),
                                   "max": max(s.reconnects) if s.reconnects else None},
            "disk_full": ({"seconds": self.a.full_seconds, "err_while_full": s.err_while_full,
                           "ok_while_full": s.ok_while_full,
                           "first_ok_after_free_s": s.oks_after_full} if self.mounted
                          else {"skipped": self.mount_error or "--full-seconds 0"}),
            "udp": {"sent": s.udp_sent, "stored": udp_stored},
            "chat": {"sent": s.chat_sent, "seen_from_others": s.chat_seen},
            "socketio": dict(s.sio, errors=s.sio_errors),
            "rss_kb": {"min": min(rss, default=None), "max": max(rss, default=None),
                       "per_start_first_last": {k: [v[0][0], v[-1][0]]
                                                for k, v in by_start.items()}},
            "fds": {"min": min(fds, default=None), "max": max(fds, default=None)},
            "samples": self.samples,
        }
        failures = []
        if lost:
            failures.append(f"{lost} acknowledged readings are not in the database")
        if s.acked == 0:
            failures.append("no reading was acknowledged")
        if stop_status != 0:
            failures.append(f"soket serve exited with {stop_status} on SIGTERM")
        if self.mounted:
            if s.err_while_full == 0:
                failures.append("no ERR while the disk was full")
            if s.oks_after_full is None:
                failures.append("no OK after the disk had space again")
        if self.a.kill_every and not self.kills:
            failures.append("the hub was never killed")
        for k in self.kills:
            if k.get("all_devices_back_s") is None:
                failures.append(f"devices not all back within 60 s of the kill at {k['at_s']} s")
        if s.chat_seen == 0:
            failures.append("no chat line reached another chat user")
        if self.a.sio_clients > 1 and (s.sio["seen"] == 0 or s.sio["acks"] == 0):
            failures.append("Socket.IO broadcasts or acks never arrived")
        max_fds = self.a.devices + self.a.chat_users + 2 * self.a.sio_clients + 200
        if fds and max(fds) > max_fds:
            failures.append(f"the hub held {max(fds)} fds (more than {max_fds})")
        report["failures"] = failures
        return report

    def cleanup(self):
        if self.mounted:
            subprocess.run(["umount", "-l", self.data_dir], capture_output=True)
        subprocess.run(["rm", "-rf", self.workdir], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soket", required=True, help="the soket binary")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=1.0,
                    help="seconds between a device's readings (0.5x to 1.5x, random)")
    ap.add_argument("--udp-devices", type=int, default=20)
    ap.add_argument("--chat-users", type=int, default=4)
    ap.add_argument("--sio-clients", type=int, default=12, help="2 of 3 WebSocket, 1 polling")
    ap.add_argument("--kill-every", type=float, default=300, help="seconds; 0: never")
    ap.add_argument("--drop-every", type=float, default=1.0)
    ap.add_argument("--full-seconds", type=float, default=20,
                    help="how long the disk stays full (0: no disk-full phase)")
    ap.add_argument("--disk-mb", type=int, default=256, help="size of the data tmpfs")
    ap.add_argument("--json", help="write the whole report here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (hub.log)")
    a = ap.parse_args()

    soak = Soak(a)
    try:
        status = soak.run()
        report = soak.verify(status)
    finally:
        if not a.keep:
            soak.cleanup()
        else:
            print(f"work directory: {soak.workdir}", file=sys.stderr)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    summary = {k: v for k, v in report.items() if k != "samples"}
    print(json.dumps(summary, indent=1))
    if report["failures"]:
        print("FAIL: " + "; ".join(report["failures"]))
        return 1
    print(f"ok: {report['acknowledged']} readings acknowledged, all stored; "
          f"{len(report['kills'])} kills")
    return 0


if __name__ == "__main__":
    sys.exit(main())
