"""scripts/pg-replica.sh down stops what up started, and says what it left running.

The PostgreSQL tools the script calls (pg_lsclusters, pg_ctlcluster, runuser) are
stand-ins on PATH that record each call and keep the primary's and replica's state
in files, so the real cluster of the machine is never touched.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.services import ROOT

PG_LSCLUSTERS = """#!/usr/bin/env bash
echo "15 main 5432 $(cat "$FAKE_STATE/primary") postgres /var/lib/postgresql/15/main log"
"""
PG_CTLCLUSTER = """#!/usr/bin/env bash
echo "pg_ctlcluster $*" >> "$FAKE_STATE/calls"
case "$3" in stop) echo down > "$FAKE_STATE/primary" ;; start) echo online > "$FAKE_STATE/primary" ;; esac
"""
# runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D DIR <status|... stop>
RUNUSER = """#!/usr/bin/env bash
shift 3
echo "$*" >> "$FAKE_STATE/calls"
case " $* " in
  *" status "*) [ "$(cat "$FAKE_STATE/replica")" = running ] ;;
  *" stop"*) echo stopped > "$FAKE_STATE/replica" ;;
esac
"""


def run_down(
    tmp_path: Path, *args: str, primary_started_by_up: bool
) -> tuple[str, str]:
    bin_dir, state, base = tmp_path / "bin", tmp_path / "state", tmp_path / "pg"
    for folder in (bin_dir, state, base / "replica"):
        folder.mkdir(parents=True)
    for name, text in (
        ("pg_lsclusters", PG_LSCLUSTERS),
        ("pg_ctlcluster", PG_CTLCLUSTER),
        ("runuser", RUNUSER),
    ):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (state / "primary").write_text("online\n")
    (state / "replica").write_text("running\n")
    (state / "calls").write_text("")
    if primary_started_by_up:
        (base / "primary-started-by-up").touch()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_STATE": str(state),
        "PG_REPLICA_DIR": str(base),
    }
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg-replica.sh"), "down", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert (state / "replica").read_text().strip() == "stopped"
    return result.stdout, (state / "calls").read_text()


def test_down_leaves_a_primary_that_was_already_running(tmp_path):
    out, calls = run_down(tmp_path, primary_started_by_up=False)

    assert "pg_ctlcluster" not in calls
    assert "replica 127.0.0.1:5433 stopped" in out
    assert "primary 127.0.0.1:5432 left running: it was running before `up`" in out


def test_down_stops_the_primary_that_up_started(tmp_path):
    out, calls = run_down(tmp_path, primary_started_by_up=True)

    assert "pg_ctlcluster 15 main stop -m fast" in calls
    assert "stopped: `up` had started it" in out
    assert not (tmp_path / "pg" / "primary-started-by-up").exists()


def test_down_replica_stops_the_replica_alone(tmp_path):
    out, calls = run_down(tmp_path, "replica", primary_started_by_up=True)

    assert "pg_ctlcluster" not in calls
    assert "primary 127.0.0.1:5432 left running" in out
