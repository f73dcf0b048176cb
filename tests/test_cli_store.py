"""The kept-calls commands: calls list/show/delete/report, report ID, participants trends."""

from __future__ import annotations

import subprocess
import sys


def cli(*args, env_db):
    import os

    env = dict(os.environ, MICROCUE_DB=env_db)
    return subprocess.run([sys.executable, "-m", "microcue.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def test_keep_list_show_report_trends_delete(astronaut_mp4, tmp_path):
    db = f"sqlite:///{tmp_path / 'calls.db'}"
    a = cli("analyze", astronaut_mp4.path, "-o", tmp_path / "a", "-q", "--role", "center=buyer:Ann Lee", env_db=db)
    assert a.returncode == 0, a.stderr
    assert "Kept as call 1" in a.stdout
    listed = cli("calls", "list", env_db=db)
    assert listed.returncode == 0 and "astronaut.mp4" in listed.stdout and "Ann Lee (buyer)" in listed.stdout
    assert "Ann Lee (buyer)" in cli("calls", "show", "1", env_db=db).stdout
    rep = cli("report", "1", "-o", tmp_path / "r", env_db=db)
    assert rep.returncode == 0, rep.stderr
    assert (tmp_path / "r" / "report.html").stat().st_size > 10_000 and (tmp_path / "r" / "report.md").exists()
    team = cli("calls", "report", "-o", tmp_path / "team" / "calls.html", env_db=db)
    assert team.returncode == 0 and "1 call." in team.stdout, team.stderr
    assert "astronaut.mp4" in (tmp_path / "team" / "calls.html").read_text()
    assert (tmp_path / "team" / "calls.csv").read_text().count("\n") == 2
    other = cli("calls", "report", "--seller", "Nobody", "-o", tmp_path / "x.html", env_db=db)
    assert other.returncode == 0 and "nothing written" in other.stdout and not (tmp_path / "x.html").exists()
    bad = cli("calls", "report", "--since", "yesterday", env_db=db)
    assert bad.returncode == 2 and "--since must be a date" in bad.stderr and "Traceback" not in bad.stderr
    trends = cli("participants", "trends", "ann lee", env_db=db)
    assert trends.returncode == 0 and "call 1" in trends.stdout
    unnamed = cli("participants", "trends", "Person 1", env_db=db)
    assert unnamed.returncode == 2 and "never merged" in unnamed.stderr
    assert cli("calls", "delete", "1", env_db=db).returncode == 0
    gone = cli("calls", "show", "1", env_db=db)
    assert gone.returncode == 2 and "no stored call with id 1" in gone.stderr and "Traceback" not in gone.stderr
    nostore = cli("analyze", astronaut_mp4.path, "-o", tmp_path / "b", "-q", "--no-store", env_db=db)
    assert nostore.returncode == 0 and "Kept as call" not in nostore.stdout
    assert "No calls kept yet." in cli("calls", "list", env_db=db).stdout
