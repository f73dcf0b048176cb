"""The post-call job reads only ``schema.POSTCALL_COLUMNS`` of the signal table (a long call's full table is large):
on the sample call (real faces, its transcript, self-coaching and thumbnails on) every output is byte-identical to
the one made from the full table, and so are the store's per-second rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("plotly")

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "microcue" / "data" / "sample"


def test_postcall_outputs_are_the_same_from_the_needed_columns_only(tmp_path):
    from microcue.pipeline import analyze
    from microcue.postcall import postcall, read_call_transcript
    from microcue.signals.schema import POSTCALL_COLUMNS, columns
    from microcue.store.api import _second_signals
    from microcue.store.rows import signal_seconds

    result = analyze(SAMPLE / "sample_call.mp4", roles=["left=seller:Dana Smith", "right=buyer:Maya Chen"],
                     out_dir=tmp_path / "call")
    utts, _ = read_call_transcript(SAMPLE / "sample_call.vtt", duration_s=None)
    outs = {}
    for how in ("full", "needed"):
        r = dataclasses.replace(result, out_dir=tmp_path / how, summary=dict(result.summary))
        r.out_dir.mkdir()
        if how == "full":
            assert len(r.signals.columns) == len(columns())  # loaded whole: post-call then uses this table
        else:
            assert list(r.read_signals(POSTCALL_COLUMNS).columns) == [c for c in columns() if c in POSTCALL_COLUMNS]
        after = postcall(r, utterances=utts, self_coaching=True, thumbnails=True)
        assert after.cues and after.speaker_links
        outs[how] = {f: (r.out_dir / f).read_bytes() for f in sorted(p.name for p in r.out_dir.iterdir())}
        outs[how]["seconds"] = repr(signal_seconds(_second_signals(r))).encode()
        assert ("signals" in r.__dict__) == (how == "full")  # the needed-columns run never loaded the whole table
    assert set(outs["full"]) >= {"cues.json", "report.html", "report.md", "speakers.json", "summary.json"}
    for name, data in outs["full"].items():
        assert outs["needed"][name] == data, name
