#!/usr/bin/env python3
"""WAL frames one commit of device readings writes, for the readings table as the hub stores it
and for two variants of its device key: what the index on (device, ts) costs per commit when
each commit holds a few readings of many devices (bench/README.md, "What the readings index
costs").

Each reading is two rows (temp and hum, as `soket-bench devices` sends them), inserted device
after device like the hub's writer receives them. The table first gets --fill readings per
device, so the index is deep and its leaves are full, as in a hub that has run a while. WAL
autocheckpoint is off and the WAL is truncated before each measurement, so its growth divided
by the frame size is the number of frames the commits wrote (for "staged", those of the moves
too).

Python's sqlite3 module only: no hub is started.

  bench/sqlite_index_frames.py --devices 100 --per-device 1,16,200
"""
import argparse
import os
import sqlite3
import tempfile

FRAME_HEADER = 24
WAL_HEADER = 32

LAYOUTS = {
    # as in src/soket/store/schema.cpp: text device id and text key, index (device_id, ts)
    "text-device": ("device_id TEXT NOT NULL", "key TEXT NOT NULL", lambda d: f"bench-{d}",
                    ("temp", "hum")),
    # a device number instead of its name
    "int-device": ("device_id INTEGER NOT NULL", "key TEXT NOT NULL", lambda d: d,
                   ("temp", "hum")),
    # device and key both numbers
    "int-device-key": ("device_id INTEGER NOT NULL", "key INTEGER NOT NULL", lambda d: d,
                       (1, 2)),
    # the hub's layout behind a table without index that takes each commit and is moved into
    # the indexed table in one transaction once it holds --merge readings per device
    "staged": ("device_id TEXT NOT NULL", "key TEXT NOT NULL", lambda d: f"bench-{d}",
               ("temp", "hum")),
    # no index at all: what the table's own pages cost
    "no-index": ("device_id TEXT NOT NULL", "key TEXT NOT NULL", lambda d: f"bench-{d}",
                 ("temp", "hum")),
}


class Table:
    def __init__(self, db, name, layout, merge=0):
        self.db, self.name, self.merge, self.staged_readings = db, name, merge, 0
        device_col, key_col, self.device, self.keys = LAYOUTS[layout]
        columns = (f"(id INTEGER PRIMARY KEY, {device_col}, ts INTEGER NOT NULL, {key_col}, "
                   "value REAL, text TEXT)")
        db.execute(f"CREATE TABLE {name} {columns}")
        if layout != "no-index":
            db.execute(f"CREATE INDEX {name}_device_ts ON {name} (device_id, ts)")
        target = name
        if layout == "staged":
            target = f"{name}_staged"
            db.execute(f"CREATE TABLE {target} {columns}")
        self.sql = (f"INSERT INTO {target} (device_id, ts, key, value) "
                    "VALUES (?1, ?2, ?3, 20.0), (?1, ?2, ?4, 40.0)")
        self.staged = target != name

    def commit(self, devices, per_device, ts):
        self.db.execute("BEGIN IMMEDIATE")
        for _ in range(per_device):
            ts += 1
            for d in range(devices):
                self.db.execute(self.sql, (self.device(d), ts, *self.keys))
        self.db.execute("COMMIT")
        if self.staged:
            self.staged_readings += per_device
            if self.staged_readings >= self.merge:
                self.move_staged()
        return ts

    def move_staged(self):
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(f"INSERT INTO {self.name} (device_id, ts, key, value, text) "
                        f"SELECT device_id, ts, key, value, text FROM {self.name}_staged "
                        "ORDER BY id")
        self.db.execute(f"DELETE FROM {self.name}_staged")
        self.db.execute("COMMIT")
        self.staged_readings = 0


def frames_per_commit(db, wal, table, devices, per_device, commits, ts):
    if table.staged:
        # whole merge cycles, from an empty staging table
        if table.staged_readings:
            table.move_staged()
        cycle = -(-table.merge // per_device)
        commits = -(-commits // cycle) * cycle
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = os.path.getsize(wal)
    for _ in range(commits):
        ts = table.commit(devices, per_device, ts)
    written = os.path.getsize(wal) - before - (WAL_HEADER if before == 0 else 0)
    return written / frame_size(db) / commits, ts


def frame_size(db):
    return db.execute("PRAGMA page_size").fetchone()[0] + FRAME_HEADER


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
        path = os.path.join(tmp, "readings.db")
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA wal_autocheckpoint = 0")
        db.execute("PRAGMA cache_size = -16384")  # the hub writer's
        print(f"{a.devices} devices, 2 rows per reading, {a.fill} readings per device stored "
              "first; WAL frames per commit (bytes per reading)")
        print("| layout | " + " | ".join(f"{n} per device" for n in per_device) + " |")
        print("|---|" + "---:|" * len(per_device))
        ts = 1_796_000_000_000
        for i, name in enumerate(layouts):
            table = Table(db, f"readings_{i}", name, a.merge)
            ts = table.commit(a.devices, a.fill, ts)
            cells = []
            for n in per_device:
                frames, ts = frames_per_commit(db, path + "-wal", table, a.devices, n, a.commits,
                                               ts)
                if frames <= 0:
                    raise SystemExit(f"{name}: the commits wrote no WAL frame; nothing measured")
                per_reading = frames * frame_size(db) / (a.devices * n)
                cells.append(f"{frames:.0f} ({per_reading:,.0f} B)")
            print(f"| {name} | " + " | ".join(cells) + " |")
        db.close()


if __name__ == "__main__":
    main()
