#!/usr/bin/env python3
"""What one commit of device readings costs SQLite, for the readings table as the hub stores it
and for variants of its layout: the WAL frames the commit writes and the CPU time per reading.
The index on (device_id, ts) is what costs when each commit holds a few readings of many devices
(bench/README.md, "What the readings index costs").

Each reading is two rows (temp and hum, as `soket-bench devices` sends them; one in "one-row"),
inserted device after device as the hub's writer receives them, by one INSERT ... SELECT per
commit, so the CPU time is SQLite's rather than Python's. Each layout first gets --fill readings
per device, so its index is deep and its leaves full, as in a hub that has run a while. WAL
autocheckpoint is off and the WAL is truncated before each measurement: its growth divided by
the frame size is the number of frames the commits wrote ("staged": its moves included), and no
checkpoint's copying is in the CPU time.

Python's sqlite3 module only: no hub is started.

  bench/sqlite_index_frames.py --devices 100 --per-device 1,16,200
"""
import argparse
import os
import sqlite3
import tempfile
import time

FRAME_HEADER = 24
WAL_HEADER = 32

# (column, value) of the device id and (column, rows of one reading) of the key
TEXT_ID = ("device_id TEXT NOT NULL", "'bench-' || d")
INT_ID = ("device_id INTEGER NOT NULL", "d")
TEXT_KEYS = ("key TEXT NOT NULL", "('temp', 20.0), ('hum', 40.0)")

LAYOUTS = {
    # as in src/soket/store/schema.cpp: text device id and text key, index (device_id, ts)
    "text-device": (TEXT_ID, TEXT_KEYS),
    # a device number instead of its name
    "int-device": (INT_ID, TEXT_KEYS),
    # device and key both numbers
    "int-device-key": (INT_ID, ("key INTEGER NOT NULL", "(1, 20.0), (2, 40.0)")),
    # one row per reading (its values elsewhere): one index entry per reading instead of two
    "one-row": (TEXT_ID, ("key TEXT NOT NULL", "('temp', 20.0)")),
    # the hub's layout behind a table without index that takes each commit and is moved into
    # the indexed table in one transaction once it holds --merge readings per device
    "staged": (TEXT_ID, TEXT_KEYS),
    # no index at all: what the table's own pages cost
    "no-index": (TEXT_ID, TEXT_KEYS),
}


class Table:
    """One layout in a database of its own. A commit is one INSERT ... SELECT (so the CPU time
    measured is SQLite's, not Python's) of `per_device` readings of every device, device after
    device as the hub's writer receives them."""

    def __init__(self, path, layout, devices, merge=0):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.wal = path + "-wal"
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "wal_autocheckpoint = 0",
                       "cache_size = -16384"):  # the hub writer's cache
            self.db.execute(f"PRAGMA {pragma}")
        self.devices, self.merge, self.staged_readings = devices, merge, 0
        (device_col, self.device), (key_col, self.values) = LAYOUTS[layout]
        columns = (f"(id INTEGER PRIMARY KEY, {device_col}, ts INTEGER NOT NULL, {key_col}, "
                   "value REAL, text TEXT)")
        self.db.execute(f"CREATE TABLE readings {columns}")
        if layout != "no-index":
            self.db.execute("CREATE INDEX readings_device_ts ON readings (device_id, ts)")
        self.staged = layout == "staged"
        self.target = "readings_staged" if self.staged else "readings"
        if self.staged:
            self.db.execute(f"CREATE TABLE readings_staged {columns}")
        self.ts = 1_796_000_000_000

    def commit(self, per_device):
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < ?1 - 1), "
            "dev(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM dev WHERE d < ?2 - 1) "
            f"INSERT INTO {self.target} (device_id, ts, key, value) "
            f"SELECT {self.device}, ?3 + n, v.column1, v.column2 "
            f"FROM k, dev, (VALUES {self.values}) v ORDER BY n, d",
            (per_device, self.devices, self.ts))
        self.db.execute("COMMIT")
        self.ts += per_device
        if self.staged:
            self.staged_readings += per_device
            if self.staged_readings >= self.merge:
                self.move_staged()

    def move_staged(self):
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO readings (device_id, ts, key, value, text) "
                        "SELECT device_id, ts, key, value, text FROM readings_staged ORDER BY id")
        self.db.execute("DELETE FROM readings_staged")
        self.db.execute("COMMIT")
        self.staged_readings = 0


def measure(table, per_device, commits):
    """WAL frames per commit and SQLite CPU microseconds per reading."""
    if table.staged:
        # whole merge cycles, from an empty staging table
        if table.staged_readings:
            table.move_staged()
        cycle = -(-table.merge // per_device)
        commits = -(-commits // cycle) * cycle
    table.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = os.path.getsize(table.wal)
    cpu = time.process_time()
    for _ in range(commits):
        table.commit(per_device)
    cpu = time.process_time() - cpu
    written = os.path.getsize(table.wal) - before - (WAL_HEADER if before == 0 else 0)
    frame = table.db.execute("PRAGMA page_size").fetchone()[0] + FRAME_HEADER
    readings = commits * per_device * table.devices
    return written / frame / commits, cpu * 1e6 / readings


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--per-device", default="1,16,200",
                    help="comma list: readings of each device in one commit")
    ap.add_argument("--fill", type=int, default=3000, help="readings per device stored first")
    ap.add_argument("--commits", type=int, default=20, help="commits measured per figure")
    ap.add_argument("--merge", type=int, default=200,
                    help="staged: readings per device moved into the indexed table at once")
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    a = ap.parse_args()
    per_device = [int(n) for n in a.per_device.split(",") if n]
    layouts = [name for name in a.layouts.split(",") if name]
    for name in layouts:
        if name not in LAYOUTS:
            ap.error(f"unknown layout {name}; any of {', '.join(LAYOUTS)}")

    with tempfile.TemporaryDirectory(prefix="soket-index-frames-") as tmp:
        print(f"{a.devices} devices, {a.fill} readings per device stored first; per commit of n "
              "readings per device: WAL frames, and SQLite's CPU µs per reading")
        print("| layout | " + " | ".join(f"n = {n}" for n in per_device) + " |")
        print("|---|" + "---:|" * len(per_device))
        for name in layouts:
            table = Table(os.path.join(tmp, f"{name}.db"), name, a.devices, a.merge)
            table.commit(a.fill)
            cells = []
            for n in per_device:
                frames, cpu_us = measure(table, n, a.commits)
                if frames <= 0:
                    raise SystemExit(f"{name}: the commits wrote no WAL frame; nothing measured")
                cells.append(f"{frames:,.0f} frames, {cpu_us:.2f} µs")
            print(f"| {name} | " + " | ".join(cells) + " |")
            table.db.close()


if __name__ == "__main__":
    main()
