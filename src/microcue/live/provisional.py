"""Provisional events: an expression shown at its apex, before the spotter confirms it at its offset.

The spotter confirms an episode only once its offset has settled (up to ``EventSpotter.max_delay_s`` = 0.8 s
after the offset). Live, the seller may want it sooner. ``ApexWatch`` asks each participant's spotter, after every
row, which open episodes have passed their apex (``EventSpotter.past_apex``: strength fallen back to a fraction of
its peak) and what the spotter would report if the episode ended now -- the same rules, naming and rejections as
the final event, no second implementation. The first time an episode yields an event it is emitted as
provisional (its own id, ``P1-p0001``). Its fate is then written too:

- the spotter's final event overlapping it confirms it: the final event's record carries ``replaces: [ids]``;
- the episode closes and no final event comes within ``pair_wait_s`` + ``margin_s`` of video time (or the stream
  ends without one): a ``{"type": "withdrawn", "id": ...}`` record.
"""

from __future__ import annotations

import dataclasses

PROVISIONAL_KINDS = ("micro", "macro")


class ApexWatch:
    def __init__(self, fall: float = 0.7, *, margin_s: float = 0.1) -> None:
        self.fall = fall
        self.margin_s = margin_s
        self._shown: dict[str, dict[tuple, dict]] = {}
        self._n = 0

    def update(self, spotter, t: float, captured: float, source: str, emit) -> None:
        """After ``spotter.update(row)`` at video time ``t``: emit new provisionals and withdraw stale ones."""
        pid = spotter.participant
        shown = self._shown.setdefault(pid, {})
        open_ = spotter.past_apex(fall=self.fall, skip=set(shown))
        for key, evs in open_.items():
            evs = [e for e in evs if e.kind in PROVISIONAL_KINDS]
            if key in shown or not evs:
                continue
            self._n += 1
            ev = dataclasses.replace(evs[0], id=f"{pid}-p{self._n:04d}")
            shown[key] = dict(event=ev, deadline=None, confirmed=False)
            emit(ev, t, captured, source, provisional=True)
        for key, s in list(shown.items()):
            if key in open_:
                continue
            if s["confirmed"]:
                del shown[key]  # the episode is over and was confirmed: forget it
            elif s["deadline"] is None:
                s["deadline"] = t + spotter.pair_wait_s + self.margin_s
            elif t > s["deadline"]:
                del shown[key]
                emit(None, t, captured, source, record=withdrawn(s["event"]))

    def confirm(self, ev) -> list[str]:
        """A final event was emitted: the ids of the provisionals it confirms (overlapping, same participant)."""
        if ev.kind not in PROVISIONAL_KINDS:
            return []
        shown = self._shown.get(ev.participant, {})
        ids = []
        for s in shown.values():
            p = s["event"]
            if not s["confirmed"] and p.onset_s < ev.offset_s and ev.onset_s < p.offset_s:
                ids.append(p.id)
                s["confirmed"] = True  # kept until its episode closes, so it is not shown again
        return ids

    def finish(self, pid: str, emit) -> None:
        """End of the stream (after the spotter's flush): whatever was not confirmed is withdrawn."""
        for s in self._shown.pop(pid, {}).values():
            if not s["confirmed"]:
                emit(None, None, None, "", record=withdrawn(s["event"]))


def withdrawn(ev) -> dict:
    return dict(type="withdrawn", id=ev.id, participant=ev.participant, kind=ev.kind, onset_s=ev.onset_s,
                apex_s=ev.apex_s)
