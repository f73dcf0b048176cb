"""The store of analysed calls, on SQLite always and on PostgreSQL when MICROCUE_TEST_PG_URL is set
(``eval "$(.ci/postgres.sh)"`` sets it). Real analyses of the astronaut clip, hand-made cues."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import socket

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from sqlalchemy import create_engine, func, select, text  # noqa: E402

import microcue  # noqa: E402
from microcue.conversation.speakers import SpeakerLink  # noqa: E402
from microcue.conversation.transcript import Utterance  # noqa: E402
from microcue.cues.types import SELF_COACHING_KINDS, Cue, Evidence  # noqa: E402
from microcue.errors import MicrocueError  # noqa: E402
from microcue.events.types import ExpressionEvent  # noqa: E402
from microcue.store import (  # noqa: E402
    CallNotFoundError,
    StoreError,
    StoreURLError,
    UnnamedParticipantError,
    cue_from_dict,
    event_from_dict,
    open_store,
    signal_seconds,
)
from microcue.store.models import (  # noqa: E402
    Base,
    CallRow,
    CueRow,
    EventRow,
    ParticipantRow,
    SignalSecondRow,
    SpeakerLinkRow,
    UtteranceRow,
)

PG_URL = os.environ.get("MICROCUE_TEST_PG_URL")
CHILD_TABLES = (ParticipantRow, EventRow, CueRow, UtteranceRow, SpeakerLinkRow, SignalSecondRow)


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def named_call(astronaut_mp4, tmp_path_factory):
    """A real analysis: one face, named Dana, the seller; plus one hand-made event so events round-trip."""
    a = microcue.analyze(
        astronaut_mp4.path,
        out_dir=tmp_path_factory.mktemp("store-named"),
        workers=1,
        roles=["center=seller:Dana Reyes"],
    )
    extra = ExpressionEvent(
        id="P1-e9001",
        participant="P1",
        kind="micro",
        onset_s=0.40,
        apex_s=0.52,
        offset_s=0.71,
        emotion="contempt",
        confidence=0.62,
        aus=("au12_r", "au14_r"),
        intensity=0.41,
        laterality="right",
        flags=("partial",),
    )
    nod = ExpressionEvent(
        id="P1-e9002",
        participant="P1",
        kind="nod",
        onset_s=1.0,
        apex_s=1.2,
        offset_s=1.5,
        confidence=0.7,
        aus=("pitch",),
        intensity=6.5,
    )
    a.events = [*a.events, extra, nod]
    a.summary = {**a.summary, "self_coaching": {"P1": {"talk_ratio": 0.71, "words_per_min": 182.0}}}
    return a


@pytest.fixture(scope="module")
def unnamed_call(astronaut_mp4, tmp_path_factory):
    """The same clip without roles: the face is "Person 1", a per-call default name."""
    return microcue.analyze(astronaut_mp4.path, out_dir=tmp_path_factory.mktemp("store-unnamed"), workers=1)


def make_cues() -> list[Cue]:
    return [
        Cue(
            time_s=0.5,
            participant="P2",
            role="buyer",
            kind="doubt",
            observation="a brief one-sided lip raise at 0:00 while discussing price",
            suggestion="Can you share what's on your mind right now?",
            evidence=Evidence(
                event_ids=("P1-e9001",),
                start_s=0.40,
                end_s=0.71,
                transcript="That's way too high.",
                speaker="Buyer",
                topic="pricing",
                details={"valence_drop": 0.3},
            ),
            confidence=0.62,
        ),
        Cue(
            time_s=1.2,
            participant="P1",
            role="seller",
            kind="disconnect_cycle",
            observation="after the doubt at 0:00 the seller kept talking for 40 s",
            suggestion="Pause and ask what they think.",
            evidence=Evidence(event_ids=("P1-e9002",)),
            confidence=0.5,
        ),
        Cue(
            time_s=1.4,
            participant="P1",
            role="seller",
            kind="seller_rushing",
            observation="you spoke at 182 words a minute for 40 s",
            suggestion="Slow down; leave a pause.",
            evidence=Evidence(start_s=1.0, end_s=1.9, details={"wpm": 182.0}),
            confidence=0.8,
            private=True,
        ),
    ]


def make_utterances() -> list[Utterance]:
    return [
        Utterance(0.0, 0.9, "Dana Reyes", "The price is twelve thousand a year.", 3),
        Utterance(0.9, 1.8, "Buyer", "That's way too high.", 6),
    ]


def make_links() -> list[SpeakerLink]:
    return [SpeakerLink("Dana Reyes", "P1", "name", 0.0), SpeakerLink("Buyer", None, "none", 0.0)]


def _reset_pg(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calls.db'}"
    if not PG_URL:
        pytest.skip('PostgreSQL: set MICROCUE_TEST_PG_URL (eval "$(.ci/postgres.sh)")')
    _reset_pg(PG_URL)
    return PG_URL


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


def count(store, model, call_id) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(model.call_id == call_id)).scalar_one()


# ------------------------------------------------------------------------------------------------ round trip
def test_save_and_get_everything_back(store, named_call):
    cues = make_cues()
    cid = store.save_call(named_call, cues=cues, utterances=make_utterances(), speaker_links=make_links())
    got = store.get_call(cid, include_private=True)

    assert got["id"] == cid
    assert got["source_name"] == "astronaut.mp4"
    assert got["source_path"] == str(named_call.source.resolve())
    assert got["frames"] == named_call.summary["frames"] == 50
    assert got["duration_s"] == pytest.approx(named_call.summary["container_duration_s"])
    assert got["microcue_version"] == named_call.summary["microcue_version"]

    (p,) = got["participants"]
    orig = named_call.participants[0].to_dict()
    assert p["name"] == "Dana Reyes" and p["role"] == "seller" and p["named"] is True
    for k in ("id", "track_ids", "position", "first_seen_s", "last_seen_s", "frames", "median_face_px"):
        assert p[k] == orig[k], k
    assert tuple(p["center"]) == pytest.approx(tuple(orig["center"]))

    assert got["events"] == [e.to_dict() for e in sorted(named_call.events, key=lambda e: e.onset_s)]
    assert [event_from_dict(e) for e in got["events"]][-1] == named_call.events[-1]

    sig = signal_seconds(named_call.signals)
    assert got["signals"] == sig and len(sig) == 2  # a 2 s clip: seconds 0 and 1 of P1
    assert sum(r["n"] for r in sig) == len(named_call.signals)
    assert all(-1 <= r["valence"] <= 1 and 0 <= r["engagement"] <= 1 and r["top_emotion"] for r in sig)

    assert got["utterances"] == [u.to_dict() for u in make_utterances()]
    assert got["speaker_links"] == [s.to_dict() for s in make_links()]

    if store.keeps_private:
        assert got["cues"] == [c.to_dict() for c in cues]
        assert [cue_from_dict(c) for c in got["cues"]] == cues
        assert got["summary"] == json.loads(json.dumps(named_call.summary))
        assert got["withheld"]["private_cues"] == 0 and got["self_coaching_available"]
    else:
        assert got["cues"] == [c.to_dict() for c in cues if not c.private]
        assert "self_coaching" not in got["summary"]
        assert got["withheld"]["private_cues"] == 1 and "local SQLite" in got["withheld"]["reason"]


def test_private_cues_only_with_include_private(store, named_call):
    cid = store.save_call(named_call, cues=make_cues())
    shown = store.get_call(cid)
    assert all(not c["private"] and c["kind"] not in SELF_COACHING_KINDS for c in shown["cues"])
    assert [c["kind"] for c in shown["cues"]] == ["doubt", "disconnect_cycle"]


def test_self_coaching_never_reaches_a_shared_database(store, named_call):
    """On PostgreSQL, private cues (flagged, or of a self-coaching kind even if not flagged) and the summary's
    self-coaching numbers are not written at all; the call records how many cues were withheld."""
    unflagged = dataclasses.replace(make_cues()[2], private=False, kind="seller_tension")
    cid = store.save_call(named_call, cues=[*make_cues(), unflagged])
    with store.engine.connect() as conn:
        kinds = conn.execute(select(CueRow.kind, CueRow.private).where(CueRow.call_id == cid)).all()
        summary = conn.execute(select(CallRow.summary).where(CallRow.id == cid)).scalar_one()
        withheld = conn.execute(select(CallRow.withheld_private).where(CallRow.id == cid)).scalar_one()
    if store.keeps_private:
        assert store.engine.dialect.name == "sqlite"
        assert sorted(k for k, _ in kinds) == ["disconnect_cycle", "doubt", "seller_rushing", "seller_tension"]
        assert {k for k, priv in kinds if priv} == {"seller_rushing", "seller_tension"}
        assert summary["self_coaching"]["P1"]["talk_ratio"] == 0.71
        assert withheld == 0
    else:
        assert store.engine.dialect.name == "postgresql"
        assert sorted(k for k, _ in kinds) == ["disconnect_cycle", "doubt"]
        assert not any(priv for _, priv in kinds)
        assert "self_coaching" not in json.dumps(summary)
        assert withheld == 2
        assert store.get_call(cid, include_private=True)["withheld"]["private_cues"] == 2


def test_cue_dicts_are_accepted_too(store, named_call):
    cid = store.save_call(
        named_call, cues=[c.to_dict() for c in make_cues()[:2]], utterances=[u.to_dict() for u in make_utterances()]
    )
    got = store.get_call(cid)
    assert [c["kind"] for c in got["cues"]] == ["doubt", "disconnect_cycle"]
    assert len(got["utterances"]) == 2


def test_summary_with_nan_and_numpy_values(store, named_call):
    import numpy as np

    a = copy.copy(named_call)
    a.summary = {**named_call.summary, "odd": {"nan": float("nan"), "np": np.float32(0.25), "arr": np.arange(3)}}
    cid = store.save_call(a)
    odd = store.get_call(cid)["summary"]["odd"]
    assert odd == {"nan": None, "np": 0.25, "arr": [0, 1, 2]}


def test_report_regenerates_from_the_store(store, named_call, tmp_path):
    """Cues from the real engine plus hand-made ones; the stored call renders a report again, and the shared
    store's report has no self-coaching even when asked for."""
    pytest.importorskip("plotly")
    from microcue.cues.engine import generate_cues
    from microcue.report import render_report

    engine_cues = generate_cues(named_call.events, named_call.signals, named_call.participants,
                                utterances=make_utterances(), speaker_links=make_links())  # fmt: skip
    cid = store.save_call(named_call, cues=[*engine_cues, *make_cues()], utterances=make_utterances(),
                          speaker_links=make_links())  # fmt: skip
    call = store.load_call(cid, include_private=True)
    assert call.participants == named_call.participants
    assert call.events == sorted(named_call.events, key=lambda e: e.onset_s)
    assert call.utterances == make_utterances() and call.speaker_links == make_links()
    kept = [c for c in [*engine_cues, *make_cues()] if store.keeps_private or not c.private]
    assert sorted(call.cues, key=lambda c: (c.time_s, c.kind)) == sorted(kept, key=lambda c: (c.time_s, c.kind))
    assert list(call.signals.columns[:3]) == ["time_s", "participant", "second"]
    assert call.signals["time_s"].tolist() == [0.5, 1.5]

    files = render_report(tmp_path / "again", **call.report_kwargs(), self_coaching=True)
    html = files["html"].read_text()
    assert "Dana Reyes" in html and "way too high" in html
    assert ("182 words a minute" in html) == store.keeps_private


# ------------------------------------------------------------------------------------------------ list / delete
def test_list_calls(store, named_call, unnamed_call):
    first = store.save_call(named_call)
    second = store.save_call(unnamed_call)
    calls = store.list_calls()
    assert [c["id"] for c in calls] == [second, first]  # newest first
    c = calls[1]
    assert set(c) == {"id", "created_at", "date", "source_name", "duration_s", "participants"}
    assert c["source_name"] == "astronaut.mp4" and c["duration_s"] == pytest.approx(2.0, abs=0.1)
    assert c["date"] == c["created_at"][:10] and len(c["date"]) == 10
    assert c["participants"] == [{"id": "P1", "name": "Dana Reyes", "role": "seller"}]
    assert calls[0]["participants"] == [{"id": "P1", "name": "Person 1", "role": "unknown"}]


def test_delete_removes_everything_for_that_call_only(store, named_call):
    keep = store.save_call(named_call, cues=make_cues(), utterances=make_utterances(), speaker_links=make_links())
    gone = store.save_call(named_call, cues=make_cues(), utterances=make_utterances(), speaker_links=make_links())
    assert all(count(store, m, gone) > 0 for m in CHILD_TABLES)
    store.delete_call(gone)
    assert all(count(store, m, gone) == 0 for m in CHILD_TABLES)
    assert all(count(store, m, keep) > 0 for m in CHILD_TABLES)
    assert [c["id"] for c in store.list_calls()] == [keep]
    with pytest.raises(CallNotFoundError, match=f"no stored call with id {gone}"):
        store.get_call(gone)
    with pytest.raises(CallNotFoundError):
        store.delete_call(gone)


def test_unknown_call_id_is_a_lookup_error(store):
    with pytest.raises(LookupError) as e:
        store.get_call(424242)
    assert isinstance(e.value, MicrocueError) and "\n" not in str(e.value)


# ------------------------------------------------------------------------------------------------ trends
def test_trends_of_a_named_participant(store, named_call, unnamed_call):
    a = store.save_call(named_call, cues=make_cues())
    store.save_call(unnamed_call, cues=make_cues())  # Person 1: never part of Dana's trend
    b = store.save_call(named_call, cues=make_cues()[1:2])
    trend = store.participant_trends("dana  reyes")  # case and spacing forgiven
    assert [t["call_id"] for t in trend] == [a, b]
    t = trend[0]
    assert t["participant"] == "P1" and t["role"] == "seller" and t["seconds"] == 2
    assert -1 <= t["mean_valence"] <= 1 and 0 <= t["mean_engagement"] <= 1
    assert t["cue_counts"] == {"disconnect_cycle": 1}  # the doubt cue is the buyer's (P2); private left out
    assert t["event_counts"]["micro"] >= 1 and t["event_counts"]["nod"] >= 1
    private = store.participant_trends("Dana Reyes", include_private=True)[0]["cue_counts"]
    if store.keeps_private:
        assert private == {"disconnect_cycle": 1, "seller_rushing": 1}
    else:
        assert private == {"disconnect_cycle": 1}


def test_default_names_are_never_merged(store, unnamed_call):
    store.save_call(unnamed_call)
    store.save_call(unnamed_call)
    with pytest.raises(UnnamedParticipantError, match="never merged across calls"):
        store.participant_trends("Person 1")
    with pytest.raises(UnnamedParticipantError):
        store.participant_trends("person 7")  # default-looking name, even with no such row
    assert store.participant_trends("Nobody Here") == []


# ------------------------------------------------------------------------------------------------ schema
def test_migrations_match_the_models_and_reopen_keeps_data(store_url, named_call):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with open_store(store_url) as s:
        cid = s.save_call(named_call)
        assert s.schema_revision() == "0001"
        with s.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    with open_store(store_url) as s:  # opening again runs no migration and loses nothing
        assert s.get_call(cid)["source_name"] == "astronaut.mp4"


def test_newer_schema_is_a_clear_error(store_url):
    with open_store(store_url) as s, s.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer microcue"):
        open_store(store_url)


def test_concurrent_first_opens_migrate_once(store_url):
    """Several workers opening a new store at once (a batch run): one creates the schema, the others wait."""
    from concurrent.futures import ThreadPoolExecutor

    def opened(_):
        with open_store(store_url) as s:
            return s.schema_revision()

    with ThreadPoolExecutor(4) as ex:
        assert list(ex.map(opened, range(4))) == ["0001"] * 4


# ------------------------------------------------------------------------------------------------ opening
def test_default_store_lives_in_the_user_data_folder(tmp_path, monkeypatch):
    from platformdirs import user_data_dir

    monkeypatch.delenv("MICROCUE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_store() as s:
        assert s.engine.dialect.name == "sqlite" and s.keeps_private
    expected = tmp_path / "data" / "microcue" / "microcue.db"
    assert user_data_dir("microcue", appauthor=False) == str(expected.parent)
    assert expected.is_file()


def test_env_var_and_plain_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCUE_DB", f"sqlite:///{tmp_path / 'env.db'}")
    with open_store():
        pass
    assert (tmp_path / "env.db").is_file()
    with open_store(str(tmp_path / "plain.sqlite")):
        pass
    assert (tmp_path / "plain.sqlite").is_file()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "url, error, words",
    [
        ("mysql://u:hunter2@localhost/db", StoreURLError, "SQLite or PostgreSQL only"),
        ("not a url", StoreURLError, "is not a URL"),
        ("sqlite://", StoreURLError, "give a SQLite file"),
        ("postgresql://u:hunter2@127.0.0.1:{port}/db", StoreError, "cannot open the store"),
        ("sqlite:////dev/null/calls.db", StoreError, "cannot create the folder"),
    ],
)
def test_bad_urls_are_one_clear_line_without_the_password(url, error, words):
    url = url.format(port=_closed_port())
    with pytest.raises(error) as e:
        open_store(url)
    msg = str(e.value)
    assert isinstance(e.value, MicrocueError) and words in msg
    assert "hunter2" not in msg and "\n" not in msg
    assert e.value.__cause__ is None and (e.value.__context__ is None or e.value.__suppress_context__)


def test_wrong_password_is_not_echoed():
    if not PG_URL:
        pytest.skip("PostgreSQL: set MICROCUE_TEST_PG_URL")
    from sqlalchemy.engine import make_url

    bad = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)).set(password="wrong-Secret-9")
    with pytest.raises(StoreError) as e:
        open_store(bad.render_as_string(hide_password=False))
    assert "wrong-Secret-9" not in str(e.value) and "password authentication failed" in str(e.value)


def test_signal_seconds_is_small(named_call):
    rows = signal_seconds(named_call.signals)
    assert len(rows) <= math.ceil(named_call.summary["container_duration_s"]) * len(named_call.participants)
    assert set(rows[0]) == {
        "participant",
        "second",
        "n",
        "valence",
        "arousal",
        "engagement",
        "expressivity",
        "on_screen",
        "quality",
        "top_emotion",
        "top_p",
    }
    assert signal_seconds(named_call.signals.iloc[:0]) == []


def test_call_overviews_and_the_report_across_calls_keep_self_coaching_out(store, named_call, unnamed_call,
                                                                            tmp_path):
    from datetime import UTC, datetime, timedelta

    from microcue.report.across import build_across, render_across

    a = store.save_call(named_call, cues=make_cues())
    b = store.save_call(unnamed_call, cues=make_cues()[:1])
    ovs = store.call_overviews()
    assert [o["id"] for o in ovs] == [a, b]  # oldest first
    first = ovs[0]
    (dana,) = first["participants"]
    assert dana["name"] == "Dana Reyes" and dana["role"] == "seller" and dana["named"] and dana["seconds"] == 2
    assert 0 <= dana["mean_engagement"] <= 1 and -1 <= dana["mean_valence"] <= 1
    assert {c["kind"] for c in first["cues"]} == {"doubt", "disconnect_cycle"}  # never the private one
    today = datetime.now(UTC).date()
    assert store.call_overviews(since=str(today + timedelta(days=1))) == []
    assert [o["id"] for o in store.call_overviews(since=str(today), until=str(today))] == [a, b]
    with pytest.raises(MicrocueError, match="--since must be a date"):
        store.call_overviews(since="last week")

    c = build_across(ovs)
    assert c.n_calls == 2 and [k.id for k in c.calls] == [b, a]  # newest first in the table
    by_id = {k.id: k for k in c.calls}
    # the buyer's doubt during pricing (a words-only buyer: no face, but the cue says buyer) is one worry
    assert by_id[a].worry == 1 and by_id[a].interest == 0 and by_id[a].cycles == 1
    assert by_id[a].sellers == "Dana Reyes" and by_id[b].sellers == "(no seller role given)"
    (pricing,) = c.topics
    assert (pricing.topic, pricing.negative, pricing.positive, pricing.calls) == ("pricing", 2, 0, 2)
    paths = render_across(tmp_path / "team.html", ovs)
    html = paths["html"].read_text()
    assert "pricing" in html and "Dana Reyes" in html and "182 words a minute" not in html
    assert "no seller&#39;s self-coaching is in this report" in html or "no seller's self-coaching" in html
    lines = paths["csv"].read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("id,date,source")
