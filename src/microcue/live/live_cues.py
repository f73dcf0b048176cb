"""Live cues for the panel: spotted events -> calm, rate-limited cues, and a short rolling state per person.

``LiveCueMaker.on_event(rec)`` takes the event records the live runner emits (``type="event"``, the fields of
:class:`~microcue.events.types.ExpressionEvent` plus timing) and returns zero or more cue messages for the panel.
It uses the same rules and wording as the after-the-call buyer cues (:mod:`microcue.cues.buyer`): an observation
says what was seen ("A 0.7 s frown (brows drawn down)"), never what the person thinks.

Calm: a cue of the same kind for the same participant is not shown again within ``min_gap_s`` (video seconds);
a repeat inside that gap updates the shown cue's count ("x2") instead of adding a line, and an event that
overlaps the episode already shown (the spotter can report one episode twice: upper and lower face) is not
counted again.

``BuyerState`` keeps a short window (``window_s``) of engagement and valence per participant from signal rows
and reports "engaged" / "drifting" (with hysteresis) and the valence trend (rising / steady / falling).
``SelfState`` does the same for the seller's own tension (brow, eyes, lips; as in :mod:`microcue.cues.seller`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping

from microcue.cues import buyer
from microcue.events.types import ExpressionEvent

CUE_ROLES = ("buyer", "unknown")
"""Roles whose events become panel cues (the seller's own face goes to the private self-view only)."""

_EVENT_FIELDS = tuple(ExpressionEvent.__dataclass_fields__)


def _event(rec: Mapping) -> ExpressionEvent | None:
    """The ExpressionEvent inside an event record (None when the record is not a valid event)."""
    try:
        d = {k: rec[k] for k in _EVENT_FIELDS if k in rec}
        d["aus"] = tuple(d.get("aus") or ())
        d["flags"] = tuple(d.get("flags") or ())
        d.setdefault("apex_s", d.get("offset_s"))
        return ExpressionEvent(**d)
    except (KeyError, TypeError, ValueError):
        return None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def classify(e: ExpressionEvent) -> tuple[str, str] | None:
    """(cue kind, observation) for an event, or None when the event makes no panel cue.

    Expressions below the buyer rules' minimum confidence make none. Sadness (a downturn of the mouth corners)
    is shown as a "shift"; "unclear" expressions and head shakes make no live cue.
    """
    if e.kind in ("micro", "macro"):
        if e.confidence < buyer.MIN_EVENT_CONFIDENCE:
            return None
        if buyer.is_doubt(e):
            return "doubt", _sentence(buyer.describe(e))
        if e.emotion == "surprise":
            return "surprise", _sentence(buyer.describe(e))
        if e.emotion == "happiness":
            genuine = "duchenne" in e.flags or ("social" not in e.flags and "au06" in e.aus)
            n = "brief" if e.kind == "micro" else f"{e.duration_s:.1f} s"
            if genuine:
                return "genuine_smile", f"A {n} smile reaching the eyes (cheeks raised)"
            return "polite_smile", f"A {n} smile without cheek raise"
        if e.emotion == "sadness":
            return "shift", _sentence(buyer.describe(e))
        return None
    if e.kind == "brow_flash":
        if "speech" in e.flags:
            return None  # brows raised for emphasis while talking (as in the post-call cues)
        return "lights_up", "A quick eyebrow flash"
    if e.kind == "gaze_aversion":
        away = e.intensity if e.intensity > 0 else e.duration_s
        if away < buyer.GAZE_MIN_S:
            return None
        return "checks_out", f"Looked away for {away:.0f} s"
    if e.kind == "nod":
        return "agreeing_nod", "Nodded"
    return None


class LiveCueMaker:
    """Turn live event records into panel cue messages.

    Args:
        participants_roles: participant id -> role ("buyer", "seller", "other", "unknown"). The mapping is read
            at each event (not copied), so the caller may add participants as they appear; an id it does not
            hold counts as "unknown". Only buyer / unknown participants make cues.
        playbook: a :class:`~microcue.cues.playbook.Playbook` (default: the packaged one).
        min_gap_s: a cue of the same kind for the same participant at most once per this many video seconds.
        names: optional participant id -> display name (else the id).
    """

    def __init__(self, participants_roles: Mapping[str, str] | None = None, *, playbook=None,
                 min_gap_s: float = 8.0, names: Mapping[str, str] | None = None) -> None:
        if playbook is None:
            from microcue.cues.playbook import load_playbook

            playbook = load_playbook()
        self.roles = participants_roles if participants_roles is not None else {}
        self.names = names if names is not None else {}
        self.playbook = playbook
        self.min_gap_s = float(min_gap_s)
        self._last: dict[tuple[str, str], dict] = {}
        self._provisional: dict[str, dict] = {}  # provisional event id -> its cue, until confirmed / withdrawn
        self._n = 0

    def role_of(self, pid: str) -> str:
        return self.roles.get(pid, "unknown")

    def on_event(self, rec: Mapping) -> list[dict]:
        """Cue messages for one event record: [] (no cue, or a role that gets none), one new cue, or an update
        of a cue already shown (same ``id``, ``update=True``, ``count`` raised).

        Provisional events (``provisional: true``, at the apex) make a cue with ``provisional: true`` unless it
        would only repeat a cue shown within ``min_gap_s``. The final event that ``replaces`` it turns that same
        cue final (an update with ``provisional: false``; its wording from the final event), or withdraws it
        (``{"type": "withdraw", "id": ...}``) when the final event makes no cue; a ``withdrawn`` record (the
        spotter ended the episode without an event) withdraws it too.
        """
        kind_of = rec.get("type", "event")
        if kind_of == "withdrawn":
            cue = self._provisional.pop(str(rec.get("id")), None)
            return [self._withdraw(cue)] if cue is not None else []
        if kind_of != "event":
            return []
        e = _event(rec)
        if e is None or self.role_of(e.participant) not in CUE_ROLES:
            return []
        found = classify(e)
        shown = [c for c in (self._provisional.pop(str(i), None) for i in rec.get("replaces") or ()) if c]
        if shown:
            out = [self._withdraw(c) for c in shown[1:]]
            if found is None:
                return out + [self._withdraw(shown[0])]
            return out + [self._confirm(shown[0], e, *found)]
        if found is None:
            return []
        kind, observation = found
        conf = round(min(1.0, max(0.0, buyer.event_confidence(e))), 3)
        key = (e.participant, kind)
        last = self._last.get(key)
        if last is not None and e.apex_s - last["time_s"] < self.min_gap_s:
            if rec.get("provisional"):
                return []  # a repeat shows as a count on the final event, never as a provisional line
            if e.onset_s <= last["_offset_s"]:  # the same episode reported again: not a repeat
                last["_offset_s"] = max(last["_offset_s"], e.offset_s)
                last["event_ids"].append(e.id)
                return []
            last["count"] += 1
            last["_offset_s"] = e.offset_s
            last["event_ids"].append(e.id)
            last["confidence"] = max(last["confidence"], conf)
            return [self._public(last, update=True)]
        self._n += 1
        cue = dict(type="cue", id=f"c{self._n}", time_s=round(e.apex_s, 3), participant=e.participant,
                   name=self.names.get(e.participant, e.participant), role=self.role_of(e.participant), kind=kind,
                   observation=observation, suggestion=self.playbook.suggest(kind), confidence=conf, count=1,
                   provisional=bool(rec.get("provisional")), event_ids=[e.id], _offset_s=e.offset_s)
        if cue["provisional"]:
            self._provisional[e.id] = cue
        else:
            self._last[key] = cue
        return [self._public(cue, update=False)]

    def _confirm(self, cue: dict, e: ExpressionEvent, kind: str, observation: str) -> dict:
        """The final event of a provisional cue: the same cue, now final, worded from the final event."""
        cue.update(kind=kind, observation=observation, suggestion=self.playbook.suggest(kind), provisional=False,
                   time_s=round(e.apex_s, 3), confidence=round(min(1.0, max(0.0, buyer.event_confidence(e))), 3),
                   _offset_s=e.offset_s)
        cue["event_ids"].append(e.id)
        self._last[(e.participant, kind)] = cue
        return self._public(cue, update=True)

    @staticmethod
    def _withdraw(cue: dict) -> dict:
        return dict(type="withdraw", id=cue["id"], participant=cue["participant"])

    @staticmethod
    def _public(cue: dict, *, update: bool) -> dict:
        out = {k: v for k, v in cue.items() if not k.startswith("_")}
        out["event_ids"] = list(cue["event_ids"])
        out["update"] = update
        return out


class _Window:
    """(time, value...) rows over the last ``window_s`` seconds (bounded by time and by ``maxlen``)."""

    def __init__(self, window_s: float, maxlen: int) -> None:
        self.window_s = window_s
        self.rows: deque = deque(maxlen=maxlen)

    def add(self, t: float, *values: float) -> None:
        if self.rows and t < self.rows[-1][0]:
            self.rows.clear()  # time went backwards (a new source): start over
        self.rows.append((t, *values))
        while self.rows and self.rows[0][0] < t - self.window_s:
            self.rows.popleft()

    def span(self) -> float:
        return self.rows[-1][0] - self.rows[0][0] if len(self.rows) > 1 else 0.0


def _num(row: Mapping, key: str) -> float | None:
    v = row.get(key)
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _mean(xs) -> float:
    return sum(xs) / len(xs)


class BuyerState:
    """Rolling engagement and valence per participant, from signal rows (``participant``, ``time_s``,
    ``engagement``, ``valence``; other columns ignored).

    Engaged when the window's mean engagement reaches ``engaged_at``, drifting below ``drifting_below``; in
    between the previous label holds (no flicker). Valence trend: the mean of the window's later half against
    its earlier half; beyond +-``trend_delta`` it is rising / falling, else steady. Until ``min_span_s`` of rows
    are in the window the state is "warming up" (``engaged`` None). ``names`` (participant id -> display name,
    read at each row) adds ``name`` to the messages.
    """

    def __init__(self, *, window_s: float = 10.0, engaged_at: float = 0.5, drifting_below: float = 0.4,
                 trend_delta: float = 0.08, min_span_s: float = 2.0, every_s: float = 1.0,
                 maxlen: int = 2000, names: Mapping[str, str] | None = None) -> None:
        self.names = names if names is not None else {}
        self.window_s, self.engaged_at, self.drifting_below = window_s, engaged_at, drifting_below
        self.trend_delta, self.min_span_s, self.every_s, self.maxlen = trend_delta, min_span_s, every_s, maxlen
        self._win: dict[str, _Window] = {}
        self._engaged: dict[str, bool | None] = {}
        self._sent: dict[str, tuple[float, tuple]] = {}

    def update(self, row: Mapping) -> dict | None:
        """Add one row; return a state message when this participant's state changed or ``every_s`` passed
        since the last one (else None, so the panel is not flooded at 30 rows a second)."""
        pid, t = row.get("participant"), _num(row, "time_s")
        eng, val = _num(row, "engagement"), _num(row, "valence")
        if pid is None or t is None or eng is None:
            return None
        w = self._win.setdefault(pid, _Window(self.window_s, self.maxlen))
        w.add(t, eng, val if val is not None else math.nan)
        msg = self.state(pid)
        if pid in self.names:
            msg["name"] = self.names[pid]
        key = (msg["engaged"], msg["valence_trend"])
        last = self._sent.get(pid)
        if last is None or last[1] != key or t - last[0] >= self.every_s or t < last[0]:
            self._sent[pid] = (t, key)
            return msg
        return None

    def state(self, pid: str) -> dict:
        """{"type": "state", participant, engaged (True / False / None while warming up), label ("Engaged" /
        "Drifting" / "Warming up"), engagement (window mean), valence (window mean), valence_trend}."""
        w = self._win.get(pid)
        if w is None or w.span() < self.min_span_s:
            self._engaged[pid] = None
            return dict(type="state", participant=pid, engaged=None, label="Warming up", engagement=None,
                        valence=None, valence_trend="steady", time_s=w.rows[-1][0] if w and w.rows else None)
        rows = list(w.rows)
        eng = _mean([r[1] for r in rows])
        prev = self._engaged.get(pid)
        if eng >= self.engaged_at:
            engaged = True
        elif eng < self.drifting_below:
            engaged = False
        else:
            engaged = prev if prev is not None else eng >= (self.engaged_at + self.drifting_below) / 2
        self._engaged[pid] = engaged
        vals = [(r[0], r[2]) for r in rows if math.isfinite(r[2])]
        trend, valence = "steady", None
        if len(vals) >= 4:
            valence = _mean([v for _, v in vals])
            mid = rows[0][0] + w.span() / 2
            early = [v for t, v in vals if t < mid]
            late = [v for t, v in vals if t >= mid]
            if early and late:
                d = _mean(late) - _mean(early)
                trend = "rising" if d > self.trend_delta else "falling" if d < -self.trend_delta else "steady"
        return dict(type="state", participant=pid, engaged=engaged, label="Engaged" if engaged else "Drifting",
                    engagement=round(eng, 3), valence=None if valence is None else round(valence, 3),
                    valence_trend=trend, time_s=rows[-1][0])


class SelfState:
    """The seller's own tension over a short window, for the private self-view (``{"type": "self"}``).

    Tension per row: the mean of the two strongest of brow lowering (AU4), lid tightening (AU7) and lip
    tightening / pressing (max of AU23, AU24), as in the after-the-call ``seller_tension`` cue; "tense" when
    the window mean reaches ``tense_at`` (the same 0.3 level). Pace (words per minute) needs live words:
    ``pace`` is a callable giving it (``LiveWords.pace``; None until enough of your speech was heard), and
    ``pace_live`` says whether words are on at all (face-only live mode: no pace).
    """

    def __init__(self, *, window_s: float = 5.0, tense_at: float = 0.3, every_s: float = 1.0,
                 maxlen: int = 1000, pace: Callable[[], float | None] | None = None) -> None:
        self.window_s, self.tense_at, self.every_s, self.maxlen = window_s, tense_at, every_s, maxlen
        self.pace = pace
        self._win: dict[str, _Window] = {}
        self._sent: dict[str, float] = {}

    def update(self, row: Mapping) -> dict | None:
        pid, t = row.get("participant"), _num(row, "time_s")
        if pid is None or t is None:
            return None
        if row.get("baseline_ready") is False:
            # measured against a population face until their own neutral is learned (a thin resting mouth
            # would read as pressed lips): say so instead of a tension number, as the post-call cue does
            last = self._sent.get(pid)
            return None if last is not None and 0 <= t - last < self.every_s else self._learning(pid, t)
        parts = sorted([_num(row, "au04") or 0.0, _num(row, "au07") or 0.0,
                        max(_num(row, "au23") or 0.0, _num(row, "au24") or 0.0)])
        w = self._win.setdefault(pid, _Window(self.window_s, self.maxlen))
        w.add(t, (parts[-1] + parts[-2]) / 2)
        last = self._sent.get(pid)
        if last is not None and 0 <= t - last < self.every_s:
            return None
        self._sent[pid] = t
        tension = _mean([r[1] for r in w.rows])
        return dict(type="self", participant=pid, tension=round(tension, 3),
                    label="Tense" if tension >= self.tense_at else "Relaxed",
                    pace=self.pace() if self.pace else None, pace_live=self.pace is not None, time_s=t)

    def _learning(self, pid: str, t: float) -> dict:
        self._sent[pid] = t
        return dict(type="self", participant=pid, tension=None, label="Learning your neutral face",
                    pace=self.pace() if self.pace else None, pace_live=self.pace is not None, time_s=t)
