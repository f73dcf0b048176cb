"""EventSpotter: expression episodes (micro / macro), brow flashes, nods, head shakes and gaze aversion
from signal rows.

One participant's rows go in, in time order (a dict per row with the columns of docs/signals.md); events come out
once they are confirmed. The file path and the live path call the same object. How it works: docs/spotting.md.
"""

from __future__ import annotations

import math

import numpy as np

from microcue.events.emfacs import LOWER, name_expression
from microcue.events.episodes import (
    ALIAS,
    ALL,
    CHANNELS,
    EYE_IDX,
    SIDES,
    SUPPORT,
    UPPER_CH,
    Region,
    iou,
    merge,
)
from microcue.events.head import GazeAversionDetector, OscillationDetector
from microcue.events.types import ExpressionEvent

_UPPER_MASK = np.array([a in UPPER_CH and a not in SUPPORT for a in CHANNELS])
_STARTS = np.array([a not in SUPPORT for a in CHANNELS])
_LOWER_START = np.array([a not in UPPER_CH and a not in SUPPORT for a in CHANNELS])

# confidence = sigmoid(CONF_W . features(event)), features from the event's own fields (so it can be refitted from
# any events.json): 1, log intensity, AUs moved (<= 5), speech flag, log duration, upper-only, lower-only.
# Fitted on the spotting benchmark's tuning split (bench/spotting.py score --split tune --calibrate).
CONF_W = (-0.007, 0.122, -0.06, -0.399, -0.045, -0.22, -0.277)


def confidence(
    intensity: float, n_aus: int, speech: bool, duration_s: float, upper_only: bool, lower_only: bool
) -> float:
    """Probability that an expression event is real (calibrated on the benchmark; docs/benchmarks.md)."""
    f = (
        1.0,
        math.log(max(intensity, 1e-3)),
        min(n_aus, 5),
        float(speech),
        math.log(max(duration_s, 0.02)),
        float(upper_only),
        float(lower_only),
    )
    return 1.0 / (1.0 + math.exp(-sum(w * x for w, x in zip(CONF_W, f))))


class EventSpotter:
    """Spots events in one participant's signal rows, streaming.

    Args (all keyword-only; times are video seconds):
        on_factor: an AU is active when its rise above its floor exceeds ``on_factor`` x its noise level (the
            0.9-quantile of its own rise over the last ``noise_window_s`` of calm rows).
        off_ratio: hysteresis: the episode ends when every AU's rise falls under ``off_ratio`` x its threshold.
        min_activation: threshold never below this (AU scale 0..1), so a perfectly still face does not fire on noise.
        boundary_frac: onset / offset are where the episode strength crosses this fraction of its apex strength
            (linear interpolation between the two rows around the crossing; apex by a parabola through three rows).
        micro_max_s: episodes with offset - onset <= this are ``micro``, longer ones ``macro``.
        min_duration_s: shorter episodes are dropped (a one-frame glitch of the landmarker).
        merge_gap_s: a dip shorter than this inside an episode does not end it.
        max_wait_s: the longest the spotter waits after an episode's end-of-activity for its offset to settle.
            Maximum confirmation delay = ``max(merge_gap_s, max_wait_s)`` + one frame after the reported offset.
        floor_window_s: an AU's floor (its local resting level) is its median over the last ``floor_window_s`` of
            calm rows (rows outside episodes); it is frozen during an episode, so a held expression stays one
            episode, until ``absorb_s``: rows of an episode older than that count as calm again (a face that
            stays changed for that long has a new resting level; the episode then ends, once).
        noise_window_s: window of calm rows for the noise level; ``warmup_s`` of calm rows are needed before any
            episode (again after a gap).
        noise_quantile: the quantile of an AU's calm residual taken as its noise level.
        noise_from_all: take the noise level from every reliable row of the window, episodes included (a talker
            whose speech keeps opening episodes would otherwise be measured only in their quiet moments).
        pair_wait_s: an upper-face episode and a lower-face episode that overlap (IoU >= 0.3) are one event; a
            finished episode waits at most this long for its partner in the other half of the face.
        speech_regress: remove from the lower-face AUs the part that follows the lip gap (``mouth_open``), fitted
            on the calm window (least squares, slope >= 0): speech opens and closes the mouth, a smile does not.
        moved_rel: an AU counts as moved in an episode when its peak (in units of its own threshold) reached
            0.6 and this fraction of the strongest AU's peak: the dominant pattern names the episode.
        speech_lo, speech_hi, speech_gain: lower-face thresholds are multiplied by up to ``1 + speech_gain`` as
            mouth_activity goes from ``speech_lo`` to ``speech_hi`` (talking needs more lower-face evidence).
        blink_level: eye AUs are held while ``blink`` (eye closure) exceeds this and for 0.15 s after; an
            episode of eye AUs only that overlaps a blink is dropped.
        min_quality, max_pose_speed_dps: rows below this quality or with head rotation faster than this are
            unreliable: they can neither start nor end an episode (values are held).
        talk_gate, talk_jaw: during talking (the row's ``speech`` field from the audio VAD when present, else
            ``mouth_activity`` above the middle of ``speech_lo``..``speech_hi``) an episode is kept only if an
            upper-face AU (au01 au02 au04 au05) peaked at ``talk_gate`` x its threshold, or AU6+AU12 moved together,
            or AU12/AU14 moved on one side, or AU9/AU10/AU12 moved while the lip gap's range during the episode
            stayed under ``talk_jaw`` x its usual range (q90 - q10 over the calm window). ``talk_gate`` <= 0: off.
        max_gap_s: a step between rows longer than this is a gap (face not found): an open episode is dropped.
        nod_*, shake_*, gaze_*: see :class:`microcue.events.head.OscillationDetector` / ``GazeAversionDetector``.
    Latency: an expression event is returned at most ``max_delay_s`` = ``max(merge_gap_s, max_wait_s) +
        pair_wait_s`` (0.8 s) plus one frame after its offset; nods/shakes at most ``0.7 s`` after their last
        swing; gaze aversion when the gaze returns (+0.2 s).
    """

    def __init__(
        self,
        participant: str = "P1",
        *,
        on_factor: float = 2.5,
        off_ratio: float = 0.5,
        min_activation: float = 0.1,
        boundary_frac: float = 0.2,
        micro_max_s: float = 0.5,
        merge_gap_s: float = 0.2,
        max_wait_s: float = 0.5,
        floor_window_s: float = 3.0,
        absorb_s: float = 20.0,
        noise_quantile: float = 0.9,
        pair_wait_s: float = 0.3,
        speech_regress: bool = False,
        moved_rel: float = 0.3,
        min_duration_s: float = 0.08,
        noise_from_all: bool = False,
        noise_window_s: float = 10.0,
        warmup_s: float = 1.0,
        speech_lo: float = 0.03,
        speech_hi: float = 0.08,
        speech_gain: float = 3.0,
        blink_level: float = 0.15,
        min_quality: float = 0.3,
        max_pose_speed_dps: float = 90.0,
        max_gap_s: float = 0.35,
        talk_gate: float = 1.2,
        talk_jaw: float = 0.5,
        talk_follow: float = 0.0,
        nod_min_deg: float = 3.0,
        shake_min_deg: float = 4.0,
        gaze_min_s: float = 1.0,
    ) -> None:
        self.participant = participant
        self.on_factor = on_factor
        self.off_ratio = off_ratio
        self.min_activation = min_activation
        self.boundary_frac = boundary_frac
        self.micro_max_s = micro_max_s
        self.merge_gap_s = merge_gap_s
        self.max_wait_s = max_wait_s
        self.floor_window_s = floor_window_s
        self.absorb_s = absorb_s
        self.noise_quantile = noise_quantile
        self.pair_wait_s = pair_wait_s
        self.speech_regress = speech_regress
        self.moved_rel = moved_rel
        self.min_duration_s = min_duration_s
        self.noise_from_all = noise_from_all
        self.noise_window_s = noise_window_s
        self.warmup_s = warmup_s
        self.speech_lo, self.speech_hi, self.speech_gain = speech_lo, speech_hi, speech_gain
        self.blink_level = blink_level
        self.min_quality = min_quality
        self.max_pose_speed_dps = max_pose_speed_dps
        self.max_gap_s = max_gap_s
        self.talk_gate, self.talk_jaw, self.talk_follow = talk_gate, talk_jaw, talk_follow
        self.nod_min_deg, self.shake_min_deg, self.gaze_min_s = nod_min_deg, shake_min_deg, gaze_min_s
        self.reset()

    @property
    def max_delay_s(self) -> float:
        """Longest video time between an expression event's offset and the row that confirms it (plus one frame)."""
        return max(self.merge_gap_s, self.max_wait_s) + self.pair_wait_s

    def reset(self) -> None:
        """Forget everything (a new stream)."""
        self.n_events_ = 0
        self.last_t_: float | None = None
        self.last_pose_: tuple[float, float] | None = None
        self.x_ = np.zeros(len(ALL))
        self.mo_ = 0.0
        self.talk_ = 0.0
        self.closed_ = 0.0
        self.blink_t_ = -math.inf
        self.regions_ = (Region(self, _UPPER_MASK), Region(self, _LOWER_START))
        self.pending_: list[tuple[int, float, dict]] = []  # (region, confirmed at, episode summary)
        self.nod_ = OscillationDetector("pitch", "nod", min_deg=self.nod_min_deg, min_swings=2)
        self.shake_ = OscillationDetector("yaw", "head_shake", min_deg=self.shake_min_deg, min_swings=3)
        self.gaze_ = GazeAversionDetector(min_s=self.gaze_min_s)

    # ------------------------------------------------------------------------------------------------ public
    def update(self, row: dict) -> list[ExpressionEvent]:
        """Take the next row (time order); return the events confirmed by it (usually none)."""
        t = float(row["time_s"])
        out: list[ExpressionEvent] = []
        if self.last_t_ is not None:
            if t <= self.last_t_:
                raise ValueError(f"rows must come in time order: {t} after {self.last_t_}")
            if t - self.last_t_ > self.max_gap_s:
                out += self._gap()
        dt = 0.0 if self.last_t_ is None else t - self.last_t_
        raw = [_head_ev(e) for e in self.nod_.update(t, row.get("pitch"), dt)]
        raw += [_head_ev(e) for e in self.shake_.update(t, row.get("yaw"), dt)]
        raw += [_head_ev(e) for e in self.gaze_.update(t, row.get("on_screen"))]
        out += [self._make(**e) for e in raw]
        out += self._expression(t, dt, row)
        self.last_t_ = t
        return out

    def flush(self) -> list[ExpressionEvent]:
        """End of stream: confirm everything still pending; an episode still active ends at the last row."""
        out = self._close(final=True)
        raw = [_head_ev(e) for e in self.nod_.flush() + self.shake_.flush() + self.gaze_.flush()]
        out += [self._make(**e) for e in raw]
        return sorted(out, key=lambda e: e.onset_s)

    # ------------------------------------------------------------------------------------------------ internals
    def _gap(self) -> list[ExpressionEvent]:
        out = self._close(final=False)
        self.nod_.gap()
        self.shake_.gap()
        out += [self._make(**_head_ev(e)) for e in self.gaze_.gap()]
        self.last_pose_ = None
        return out

    def _close(self, final: bool) -> list[ExpressionEvent]:
        for k, r in enumerate(self.regions_):
            self.pending_ += [(k, math.inf, e) for e in r.gap(final)]
        return self._release(math.inf)

    def _reliable(self, t: float, dt: float, row: dict) -> bool:
        q = row.get("quality", 1.0)
        ok = q is None or float(q) >= self.min_quality
        yaw, pitch = row.get("yaw"), row.get("pitch")
        if yaw is not None and pitch is not None and not (math.isnan(yaw) or math.isnan(pitch)):
            if self.last_pose_ is not None and dt > 0:
                speed = math.hypot(yaw - self.last_pose_[0], pitch - self.last_pose_[1]) / dt
                ok = ok and speed <= self.max_pose_speed_dps
            self.last_pose_ = (float(yaw), float(pitch))
        return ok

    def _expression(self, t: float, dt: float, row: dict) -> list[ExpressionEvent]:
        reliable = self._reliable(t, dt, row)
        x = np.array([_num(row.get(a)) for a in ALL])
        blink = _num(row.get("blink"))
        if not math.isnan(blink) and blink > self.blink_level:
            self.blink_t_ = t
        blink_recent = t - self.blink_t_ <= 0.15
        if blink_recent:
            x[EYE_IDX] = np.nan  # the lids are closing or just reopened: hold the eye AUs
        x = np.where(np.isnan(x), self.x_, x)
        if reliable:
            self.x_ = x
        m = _num(row.get("mouth_activity"))
        m = 0.0 if math.isnan(m) else m
        audio = row.get("speech")
        audio = None if audio is None or (isinstance(audio, float) and math.isnan(audio)) else float(audio)
        speech = min(max((m - self.speech_lo) / max(self.speech_hi - self.speech_lo, 1e-9), 0.0), 1.0)
        # talking now: the audio VAD when the row has it (row["speech"]), else the mouth-opening rhythm
        self.talk_ = audio if audio is not None else float(speech >= 0.5)
        self.closed_ = float(not math.isnan(blink) and blink > 0.5)
        mo = _num(row.get("mouth_open"))
        if math.isnan(mo) or not reliable:
            mo = self.mo_
        self.mo_ = mo
        for k, r in enumerate(self.regions_):
            self.pending_ += [(k, t, e) for e in r.update(t, dt, self.x_, mo, reliable, speech, blink_recent)]
        return self._release(t)

    def _release(self, t: float) -> list[ExpressionEvent]:
        """Pair upper- and lower-face episodes that overlap (IoU >= 0.3); emit what can no longer pair."""
        out: list[ExpressionEvent] = []
        while self.pending_:
            k, when, ep = self.pending_[0]
            other = [q for q in self.pending_[1:] if q[0] != k and iou(q[2], ep) >= 0.3]
            if other:
                self.pending_.remove(other[0])
                self.pending_.pop(0)
                out += self._finish(merge(ep, other[0][2]))
                continue
            open_ep = self.regions_[1 - k].ep_
            could_pair = open_ep is not None and open_ep["rise"][0][0] < ep["offset"]
            if could_pair and t < when + self.pair_wait_s:
                break
            self.pending_.pop(0)
            out += self._finish(ep)
        return out

    def _finish(self, ep: dict) -> list[ExpressionEvent]:
        onset, apex_t, offset = ep["onset"], ep["apex"], ep["offset"]
        moved = {}
        top = float(np.max(ep["zmax"][_STARTS]))
        for i, a in enumerate(CHANNELS):
            name = ALIAS.get(a, a)
            if ep["zmax"][i] >= max(0.6, self.moved_rel * top):
                moved[name] = max(moved.get(name, 0.0), float(ep["zmax"][i]))
        side = dict(zip(SIDES, ep["side"]))
        lat = {}
        for a in ("au01", "au02", "au12", "au14"):
            left, right = side[f"{a}_l"], side[f"{a}_r"]
            asym = (left - right) / (left + right + 1e-6)
            lat[a] = "left" if asym > 0.5 else "right" if asym < -0.5 else "both"
        if ep["blink"] and set(moved) <= {"au05", "au06", "au07"}:
            return []  # the lids around a blink
        if offset - onset < self.min_duration_s:
            return []  # shorter than two frames at 30 fps: a glitch, not a movement
        if ep["reliable"] / max(ep["dur"], 1e-9) < 0.5:
            return []  # seen mostly through unreliable rows (head turn, poor tracking)
        talk_share = ep["talk"] / max(ep["dur"], 1e-9)
        if talk_share > 0.5 and not self._beyond_speech(moved, lat, ep):
            return []  # a movement of talking, not an expression
        rise: dict[str, float] = {}
        for i, a in enumerate(CHANNELS):
            name = ALIAS.get(a, a)
            rise[name] = max(rise.get(name, 0.0), float(ep["amax"][i]))
        emotion, flags = name_expression(moved, lat, rise, ep["closed"] / max(ep["dur"], 1e-9))
        if emotion == "happiness" and "au12" not in moved:
            moved["au12"] = 1.0
        flags = list(flags)
        if ep["antag"]:
            flags.append("suppressed")
        speech_share = ep["speech"] / max(ep["dur"], 1e-9)
        reliable_share = ep["reliable"] / max(ep["dur"], 1e-9)
        if speech_share > 0.5 or talk_share > 0.5:
            flags.append("speech")
        if reliable_share < 0.8:
            flags.append("low_quality")
        sided = [a for a in sorted(moved, key=lambda a: -moved[a]) if a in lat]
        laterality = lat[sided[0]] if sided else ("both" if moved else None)
        conf = confidence(
            float(ep["amax"].max()),
            len(moved),
            "speech" in flags,
            offset - onset,
            "upper_face" in flags,
            "lower_face" in flags,
        )
        aus = tuple(sorted(moved, key=lambda a: -moved[a]))
        kind = "micro" if offset - onset <= self.micro_max_s else "macro"
        intensity = float(ep["amax"].max())
        ev = [
            {
                "kind": kind,
                "onset_s": onset,
                "apex_s": apex_t,
                "offset_s": offset,
                "emotion": emotion,
                "confidence": round(conf, 3),
                "aus": aus,
                "intensity": round(intensity, 4),
                "laterality": laterality,
                "flags": tuple(flags),
            }
        ]
        up = {"au01", "au02"} <= set(moved) and not (set(moved) & set(LOWER)) and 0.15 <= offset - onset <= 1.0
        if up:
            ev.append(
                {
                    "kind": "brow_flash",
                    "onset_s": onset,
                    "apex_s": apex_t,
                    "offset_s": offset,
                    "emotion": None,
                    "confidence": round(conf, 3),
                    "aus": ("au01", "au02"),
                    "intensity": round(intensity, 4),
                    "laterality": lat["au02"],
                    "flags": (),
                }
            )
        return [self._make(**e) for e in ev]

    def _beyond_speech(self, moved: dict, lat: dict, ep: dict) -> bool:
        """An episode during speech is kept only with evidence that talking does not produce: a clear upper-face
        movement, a cheek raise with the lip-corner pull (AU6+AU12), a one-sided AU12/AU14, or a nose wrinkle /
        upper-lip raise (AU9/AU10) or lip-corner pull while the jaw stayed still."""
        if self.talk_gate <= 0:
            return True
        g = self.talk_gate
        if any(moved.get(a, 0.0) >= g for a in ("au01", "au02", "au04", "au05")):
            return True
        if moved.get("au06", 0.0) >= 1.0 and moved.get("au12", 0.0) >= 1.0:
            return True
        if any(a in moved and lat.get(a) != "both" and moved[a] >= 1.0 for a in ("au12", "au14")):
            return True
        if ep["jaw"] <= self.talk_jaw and any(moved.get(a, 0.0) >= 1.0 for a in ("au09", "au10", "au12")):
            return True
        fol = dict(zip(CHANNELS, ep["follow"]))
        return any(moved.get(a, 0.0) >= 1.0 and fol[a] < self.talk_follow for a in LOWER if a in fol and a != "au26")

    def _make(self, **kw) -> ExpressionEvent:
        self.n_events_ += 1
        return ExpressionEvent(id=f"{self.participant}-e{self.n_events_:04d}", participant=self.participant, **kw)

    def past_apex(self, *, fall: float = 0.7, skip=()) -> dict:
        """For live mode's provisional cues: the expression episodes still open, by key ``(region, rise start s)``,
        each with the events this spotter would report if the episode ended at the last row -- ``[]`` until its
        strength has fallen to ``fall`` x its peak (it is past its apex), or while it would be rejected. Keys in
        ``skip`` are listed with ``[]`` unevaluated. Changes no state: the events are not confirmed, and their ids
        are not taken from the call's numbering (the caller gives them its own)."""
        out: dict = {}
        for k, r in enumerate(self.regions_):
            ep = r.ep_
            if ep is None:
                continue
            key = (k, round(float(ep["rise"][0][0]), 4))
            out[key] = []
            if key in skip or r.prev_ is None:
                continue
            t, s = r.prev_
            if ep["apex"][0] >= t or s > fall * ep["apex"][1]:
                continue
            n = self.n_events_
            try:
                out[key] = self._finish(r._summary(dict(ep, offset=t if ep["offset"] is None else ep["offset"])))
            finally:
                self.n_events_ = n
        return out


def _head_ev(e: dict) -> dict:
    return {
        "kind": e["kind"],
        "onset_s": e["onset_s"],
        "apex_s": e["apex_s"],
        "offset_s": e["offset_s"],
        "emotion": None,
        "confidence": e["confidence"],
        "aus": e["aus"],
        "intensity": e["intensity"],
        "laterality": None,
        "flags": (),
    }


def _num(v) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
