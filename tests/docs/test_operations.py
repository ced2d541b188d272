"""docs/operations.md against a real hub: every metric /metrics exposes is documented (and
nothing documented is gone), the Grafana dashboard only queries metrics the hub exposes, and the
documented online backup (`sqlite3 soket.db ".backup ..."`) works while the hub writes.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hub"))
import hubtest  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DOC = os.path.join(REPO, "docs", "operations.md")
DASHBOARD = os.path.join(REPO, "docs", "grafana", "soket-dashboard.json")
METRIC_NAME = re.compile(r"\bsoket_[a-z0-9_]+")


def exposed_metrics(hub):
    """{name: type} from the `# TYPE` lines of /metrics."""
    status, headers, body = hub.http("GET", "/metrics")
    if status != 200:
        raise AssertionError(f"/metrics: {status}")
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", body.decode(), re.M))
    if len(types) < 10:
        raise AssertionError(f"/metrics exposes only {sorted(types)}")
    return types


def documented_metrics():
    """{name: type} from the rows of the metrics table: | `name` | type | ..."""
    with open(DOC, encoding="utf-8") as f:
        return dict(re.findall(r"^\| `(soket_[a-z0-9_]+)` \| (\w+) \|", f.read(), re.M))


class MetricsDocumented(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = hubtest.Hub()
        with cls.hub.device("docs-sensor") as d:
            assert d.request("temp=21.5 hum=40") == "OK"
        cls.exposed = exposed_metrics(cls.hub)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def test_every_exposed_metric_is_documented_with_its_type(self):
        documented = documented_metrics()
        for name, kind in self.exposed.items():
            self.assertIn(name, documented, f"{name} is exposed but not in docs/operations.md")
            self.assertEqual(documented[name], kind, f"{name}: documented type is wrong")

    def test_nothing_documented_is_gone(self):
        stale = set(documented_metrics()) - set(self.exposed)
        self.assertFalse(stale, f"documented but no longer exposed: {sorted(stale)}")

    def test_grafana_dashboard_queries_real_metrics(self):
        with open(DASHBOARD, encoding="utf-8") as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 10)
        named = set()
        for expr in exprs:
            names = set(METRIC_NAME.findall(expr))
            self.assertTrue(names, f"a query names no soket metric: {expr}")
            unknown = names - set(self.exposed)
            self.assertFalse(unknown, f"{expr} uses metrics the hub does not expose: {unknown}")
            named |= names
        # what the issue asks the dashboard to show
        for wanted in ("soket_connections", "soket_messages_in_total",
                       "soket_store_rows_written_total", "soket_store_queue_depth",
                       "soket_store_batch_latency_seconds"):
            self.assertIn(wanted, named)
        for p in dashboard["panels"]:
            self.assertEqual(p["datasource"]["uid"], "${DS_PROMETHEUS}", p["title"])


class OnlineBackup(unittest.TestCase):
    def test_backup_while_the_hub_writes(self):
        with hubtest.Hub() as hub, tempfile.TemporaryDirectory() as tmp:
            confirmed = 0
            with hub.device("backup-sensor") as d:
                for i in range(200):
                    self.assertEqual(d.request(f"temp={i}"), "OK")
                    confirmed += 1
            # keep writing from another device while the backup runs
            stop = threading.Event()
            errors = []

            def writer():
                try:
                    with hub.device("backup-busy") as busy:
                        i = 0
                        while not stop.is_set() and i < 5000:
                            if busy.request(f"hum={i % 100}") != "OK":
                                errors.append("not OK")
                                return
                            i += 1
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))

            thread = threading.Thread(target=writer)
            thread.start()
            backup = os.path.join(tmp, "backup.db")
            try:
                result = subprocess.run(["sqlite3", hub.db_path, f".backup {backup}"],
                                        capture_output=True, text=True, timeout=60)
            finally:
                stop.set()
                thread.join(timeout=30)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertFalse(errors, errors)
            db = sqlite3.connect(backup)
            try:
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                stored = db.execute("SELECT count(*) FROM readings "
                                    "WHERE device_id = 'backup-sensor'").fetchone()[0]
            finally:
                db.close()
            self.assertGreaterEqual(stored, confirmed)
            self.assertEqual(hub.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
