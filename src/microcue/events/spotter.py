"""EventSpotter: expression episodes (micro / macro), brow flashes, nods, head shakes and gaze aversion
from signal rows.

One participant's rows go in, in time order (a dict per row with the columns of docs/signals.md); events come out
once they are confirmed. The file path and the live path call the same object. How it works: docs/spotting.md.
"""

from __future__ import annotations

import math

import numpy as np

from microcue.events.artic import ARTIC
from microcue.events.emfacs import LOWER, PRESENT, UPPER, name_expression
from microcue.events.episodes import (
    ALIAS,
    ALL,
    CHANNELS,
    EYE_IDX,
    IDX,
    SUPPORT,
    UPPER_CH,
    Region,
    iou,
    merge,
)
from microcue.events.head import GazeAversionDetector, OscillationDetector
from microcue.events.laterality import apex_laterality, side_laterality
from microcue.events.pose_gate import PoseHistory, pose_change, pose_explained
from microcue.events.pose_gate import as_float as _num
from microcue.events.types import ExpressionEvent
from microcue.signals.emotions import SPEECH_BAND, speech_degree

_UPPER_MASK = np.array([a in UPPER_CH and a not in SUPPORT for a in CHANNELS])
_STARTS = np.array([a not in SUPPORT for a in CHANNELS])
_BLINK_PULLS = {"au01", "au02", "au05", "au06", "au07"}
"""AUs a blink pulls along (the brows are measured from the eye line); brief episodes of only these are dropped."""
_LEVEL = ("au12_l", "au12_r", "au06")
"""Columns whose level at an episode's apex against the person's neutral the name uses (a smiling face)."""
_TENSE = ("au04", "au06", "au07")
"""Brows drawn down and narrowed lids: while talking they also come with emphasis and effort (``talk_tense_min``)."""
_LOWER_START = np.array([a not in UPPER_CH and a not in SUPPORT for a in CHANNELS])

CONF_FEATURES = ("peak", "duration", "n_aus")
"""Named features of an expression episode for its confidence (episode_features): peak: log of the apex strength
(the strongest AU's rise in units of its threshold, i.e. of the person's own noise); duration: log of onset->offset
in seconds; n_aus: how many AUs moved (at most 5). (EMFACS fit and upper/lower face were tried and did not help on
the tuning data; speech overlap could not be fitted: every benchmark episode is during speech.)"""

CONF_W = {"bias": -0.751, "peak": 0.98, "duration": 0.407, "n_aus": 0.111}
"""confidence = sigmoid(bias + sum(w * feature)): a small logistic model fitted on the spotting benchmark v2's tuning,
calibration and clean splits, real = matched an injected episode or the source person's own expression seen by eye
(bench/spotting.py score --version 2 --split fitclean --calibrate --count-own; data and terms: docs/spotting.md,
"Confidence")."""


def episode_features(strength: float, duration_s: float, n_aus: int) -> dict[str, float]:
    """The named features of :data:`CONF_FEATURES` for one expression episode, clipped to the range the model was
    fitted on (peak 1-6 thresholds, 0.15-6 s): a 12 s laugh is scored like a 6 s one, not extrapolated."""
    return {
        "peak": math.log(min(max(strength, 1.0), 6.0)),
        "duration": math.log(min(max(duration_s, 0.15), 6.0)),
        "n_aus": float(min(n_aus, 5)),
    }


def confidence(features: dict[str, float], weights: dict[str, float] | None = None) -> float:
    """Probability that an expression event is real (calibrated on the benchmark; docs/benchmarks.md)."""
    w = CONF_W if weights is None else weights
    z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


MAX_GAP_S = 0.35
"""Default ``max_gap_s``: a longer step between a person's rows is a gap (the face was not seen)."""


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
        nest: an episode of one half of the face that began inside a still-open episode of the other half, which
            would be reported as an expression were it to end now, is part of that movement: it is not reported on
            its own (a crying face's lip presses inside the crying are not a stream of events).
        nest_tol_s: "began inside" includes beginning up to this long before the other half's episode (the two
            halves of one expression start together; a brief brow raise at the start of a long smile is part of it,
            not a second event overlapping the first).
        nest_frac: an expression event lying at least this fraction inside the longer expression event reported
            just before it is the same movement: not reported (> 1: off).
        talk_up_min: in the speech decision an upper-face AU is evidence of an expression only if it also rose at
            least this much on the AU scale (a small brow / lid movement coupled to a lip closure is not).
        talk_tense_min: the same for AU4, AU6 and AU7 (brows drawn down, lids narrowed): a dip of the brows or a
            squint of emphasis while talking moves them by up to about 0.2 (benchmark clean clips, docs/spotting.md).
        blink_brows: a brief episode (micro) of only brow raise and lid AUs (AU1, AU2, AU5, AU6, AU7) that touches a
            blink is dropped: the brows are measured from the eye line, which a closing lid pulls along.
        cut_jump: a jump of the face's size by more than this (|ln(size ratio)| between two rows) is a cut between
            views (a thumbnail becoming the main view, an edited jump cut) and handled as a gap (0: off).
        mouth_talk: the speech decision also applies when the audio VAD says silence but the mouth moved in the
            rhythm of talking (``mouth_activity``) for more than half the episode: a muted or quiet talker, or a
            voice the VAD missed.
        min_reliable: an episode seen through less than this share of reliable rows is dropped (flagged
            ``low_quality`` under 0.95).
        speech_regress: remove from the lower-face AUs the part that follows the lip gap (``mouth_open``), fitted
            on the calm window (least squares, slope >= 0): speech opens and closes the mouth, a smile does not.
        artic, artic_aus, artic_window_s, artic_min_s, artic_gain, artic_raw: the articulation residual (off by
            default: tried, not kept, docs/benchmarks.md). Per participant a ridge least squares over the last
            ``artic_window_s`` of calm reliable rows (outside lower-face episodes) predicts each AU of
            ``artic_aus`` from the articulation columns of the same row (``microcue.events.artic.ARTIC``:
            mouth_open, au25, au26, au27, au18, au22, au16, au28); prediction clipped to the range seen. Ready after
            ``artic_min_s`` of rows plus 16 rows predicted before being fitted on; its noise level is the
            ``noise_quantile`` of those out-of-sample residuals (or of the in-sample ones, whichever is larger).
            While the mouth moves like talking (``speech`` > 0), and only for a row whose articulation columns lie
            inside their range over the fitted rows (+- 10 % of its span: no extrapolation; a model fitted on a still
            mouth knows nothing of talking), such an AU also counts by its residual: activation
            ``residual / (on_factor x noise x (1 + artic_gain x speech))``, capped by the AU's own rise over
            ``artic_raw`` x its calm threshold (0: no cap); the larger of this and the usual activation is used.
        moved_rel: an AU counts as moved in an episode when its peak (in units of its own threshold) reached
            0.6 and this fraction of the strongest AU's peak: the dominant pattern names the episode.
        speech_lo, speech_hi, speech_gain: lower-face thresholds are multiplied by up to ``1 + speech_gain`` as
            mouth_activity goes from ``speech_lo`` to ``speech_hi`` (talking needs more lower-face evidence).
        blink_level: eye AUs are held while ``blink`` (eye closure) exceeds this and for 0.15 s after; an
            episode of eye AUs only that overlaps a blink is dropped.
        min_quality, max_pose_speed_dps: rows below this quality or with head rotation faster than this are
            unreliable: they can neither start nor end an episode (values are held).
        talk_gate, talk_jaw, talk_low, talk_wide: the expression-vs-speech decision for an episode that spends more
            than half its time in talking (the row's ``speech`` field from the audio VAD when present, else
            ``mouth_activity`` above the middle of ``speech_lo``..``speech_hi``). An AU counts as evidence when its
            peak reached ``talk_gate`` x its threshold. Kept as an expression: any upper-face AU other than a brow
            raise (AU4, AU6, AU7; AU5 when the eyes widen: AU5 >= ``talk_wide`` x the brow raise), a smile (AU12 the
            largest lower-face rise), a one-sided AU12/AU14, a nose wrinkle (AU9), AU9/AU10/AU12 while the lip gap
            stayed still (its range under ``talk_jaw`` x its usual q90 - q10), or two lower-face AUs with one at
            ``talk_low`` x its threshold. A brow raise (AU1/AU2) with nothing of that is a conversational
            ``brow_flash`` (flagged ``speech``), not a surprise; anything else (a lone lower-lip / chin movement) is
            speech and dropped. ``talk_gate`` <= 0: off.
        pose_gate_deg, pose_gate_margin: head-pose gate (``microcue.events.pose_gate``): an episode during which the
            head rotated at least ``pose_gate_deg`` from its pose just before onset (chin down, chin up or |yaw|),
            and whose every AU that crossed its threshold is one that rotation is measured to move (chin down:
            AU6/7/9/10/23/24; chin up: AU10/15/17/20; turn: AU4/9/14) with a rise at most ``pose_gate_margin`` x the
            leak per degree x degrees, is a pose leak: dropped. Brows (AU1/AU2, AU4 without a turn), AU5 and AU12
            are always evidence. 12 deg: the leak is measured in frames >= 12 deg from the usual pose; 2.2: the
            largest ratio of a frame's leak to the per-degree model there (webcam sample; docs/spotting.md).
            ``pose_gate_deg`` <= 0: off.
        max_gap_s: a step between rows longer than this is a gap (face not found): an open episode is dropped.
        apex_lat: while talking (talk share > 0.5) the laterality of AU12/AU14 for the name and the event comes from
            their two sides at the apex (:func:`apex_laterality`), not from each side's peak over the episode, which
            speech raises on both sides. The speech-vs-expression decision keeps the peak-based laterality (so this
            changes names and laterality, never which events are reported).
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
        min_reliable: float = 0.8,
        nest: bool = True,
        nest_frac: float = 0.5,
        nest_tol_s: float = 0.1,
        mouth_talk: bool = True,
        blink_brows: bool = True,
        talk_up_min: float = 0.12,
        talk_tense_min: float = 0.2,
        cut_jump: float = 0.3,
        speech_regress: bool = False,
        artic: bool = False,
        artic_aus: tuple[str, ...] = ("au12", "au14"),
        artic_window_s: float = 20.0,
        artic_min_s: float = 0.5,
        artic_gain: float = 1.0,
        artic_raw: float = 1.0,
        moved_rel: float = 0.3,
        min_duration_s: float = 0.08,
        noise_from_all: bool = False,
        noise_window_s: float = 10.0,
        warmup_s: float = 1.0,
        speech_lo: float = SPEECH_BAND[0],
        speech_hi: float = SPEECH_BAND[1],
        speech_gain: float = 3.0,
        blink_level: float = 0.15,
        min_quality: float = 0.3,
        max_pose_speed_dps: float = 90.0,
        max_gap_s: float = MAX_GAP_S,
        talk_gate: float = 1.0,
        talk_jaw: float = 0.5,
        talk_low: float = 2.0,
        talk_wide: float = 0.5,
        nod_min_deg: float = 3.0,
        shake_min_deg: float = 4.0,
        gaze_min_s: float = 1.0,
        pose_gate_deg: float = 0.0,
        pose_gate_margin: float = 2.2,
        apex_lat: bool = True,
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
        self.min_reliable = min_reliable
        self.nest = nest
        self.nest_frac = nest_frac
        self.nest_tol_s = nest_tol_s
        self.mouth_talk = mouth_talk
        self.blink_brows = blink_brows
        self.talk_up_min, self.talk_tense_min = talk_up_min, talk_tense_min
        self.cut_jump = cut_jump
        self.speech_regress = speech_regress
        self.artic, self.artic_aus = bool(artic), tuple(artic_aus)
        self.artic_window_s, self.artic_min_s, self.artic_gain, self.artic_raw = (
            artic_window_s, artic_min_s, artic_gain, artic_raw)
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
        self.talk_gate, self.talk_jaw, self.talk_low, self.talk_wide = talk_gate, talk_jaw, talk_low, talk_wide
        self.nod_min_deg, self.shake_min_deg, self.gaze_min_s = nod_min_deg, shake_min_deg, gaze_min_s
        self.pose_gate_deg, self.pose_gate_margin = pose_gate_deg, pose_gate_margin
        self.apex_lat = bool(apex_lat)
        self.trace_: list[dict] | None = None  # set to [] to record every candidate episode (bench/spotting.py)
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
        self.art_ = np.zeros(len(ARTIC))
        self.mo_ = 0.0
        self.talk_ = 0.0
        self.closed_ = 0.0
        self.blink_t_ = -math.inf
        self.regions_ = (Region(self, _UPPER_MASK), Region(self, _LOWER_START))
        self.pending_: list[tuple[int, float, dict]] = []  # (region, confirmed at, episode summary)
        self.last_expr_: tuple[float, float] | None = None  # (onset, offset) of the last expression event emitted
        self.dry_ = False  # inside _dry_finish: evaluate only, change nothing
        self.face_px_ = math.nan  # the face's size on the previous row (cut detection)
        self.nod_ = OscillationDetector("pitch", "nod", min_deg=self.nod_min_deg, min_swings=2)
        self.shake_ = OscillationDetector("yaw", "head_shake", min_deg=self.shake_min_deg, min_swings=3)
        self.gaze_ = GazeAversionDetector(min_s=self.gaze_min_s)
        self.pose_hist_ = PoseHistory()

    # ------------------------------------------------------------------------------------------------ public
    def speech_degree(self, mouth_activity):
        """How much the mouth moves like talking, 0..1 (``speech_lo`` -> 0, ``speech_hi`` -> 1; a float or an
        array). At or above 0.5 a row counts as talking (without an audio VAD)."""
        return speech_degree(mouth_activity, (self.speech_lo, self.speech_hi))

    def update(self, row: dict) -> list[ExpressionEvent]:
        """Take the next row (time order); return the events confirmed by it (usually none)."""
        t = float(row["time_s"])
        out: list[ExpressionEvent] = []
        if self.last_t_ is not None:
            if t <= self.last_t_:
                raise ValueError(f"rows must come in time order: {t} after {self.last_t_}")
            if t - self.last_t_ > self.max_gap_s or self._cut(row):
                out += self._gap()
        dt = 0.0 if self.last_t_ is None else t - self.last_t_
        if self.pose_gate_deg > 0 or self.trace_ is not None:
            self.pose_hist_.add(t, row)  # the pose gate's history (off: not kept)
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
    def _cut(self, row: dict) -> bool:
        """A cut between views: the face's size jumps between two rows (a person moved between a thumbnail and the
        main view, a reframing). Its AU levels are not comparable across it."""
        px, prev = _num(row.get("face_px")), self.face_px_
        self.face_px_ = px
        if self.cut_jump <= 0 or not (px > 0 and prev > 0):
            return False
        return abs(math.log(px / prev)) > self.cut_jump

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
        speech = float(self.speech_degree(m))
        # talking now: the audio VAD when the row has it (row["speech"]), else the mouth-opening rhythm
        self.talk_ = audio if audio is not None else float(speech >= 0.5)
        self.closed_ = float(not math.isnan(blink) and blink > 0.5)
        mo = _num(row.get("mouth_open"))
        if math.isnan(mo) or not reliable:
            mo = self.mo_
        self.mo_ = mo
        art = None
        if self.artic:
            a = np.array([_num(row.get(c)) for c in ARTIC])
            a = np.where(np.isnan(a), self.art_, a)
            if reliable:
                self.art_ = a
            art = self.art_
        for k, r in enumerate(self.regions_):
            eps = r.update(t, dt, self.x_, mo, reliable, speech, blink_recent, art)
            self.pending_ += [(k, t, e) for e in eps]
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
            if self.nest and self._inside_open(k, ep):
                continue  # began inside a movement of the other half of the face that is an expression: part of it
            out += self._finish(ep)
        return out

    def _inside_open(self, k: int, ep: dict) -> bool:
        """Whether ``ep`` (region ``k``) began inside the other region's open episode, and that episode, were it to
        end now, would be reported as an expression (a dry run: no state changes)."""
        r = self.regions_[1 - k]
        o = r.ep_
        if o is None or r.prev_ is None:
            return False
        summary = r._summary(dict(o, offset=r.prev_[0] if o["offset"] is None else o["offset"]))
        if summary["onset"] > ep["onset"] + self.nest_tol_s:
            return False
        return any(e.kind in ("micro", "macro") for e in self._dry_finish(summary))

    def _dry_finish(self, summary: dict) -> list[ExpressionEvent]:
        """What :meth:`_finish` would report for ``summary``, without taking event ids, recording a trace or
        remembering the event (for live provisional cues and the nesting check)."""
        n, trace, self.trace_, self.dry_ = self.n_events_, self.trace_, None, True
        try:
            return self._finish(summary)
        finally:
            self.n_events_, self.trace_, self.dry_ = n, trace, False

    def _finish(self, ep: dict) -> list[ExpressionEvent]:
        onset, apex_t, offset = ep["onset"], ep["apex"], ep["offset"]
        moved = {}
        top = float(np.max(ep["zmax"][_STARTS]))
        for i, a in enumerate(CHANNELS):
            name = ALIAS.get(a, a)
            if ep["zmax"][i] >= max(0.6, self.moved_rel * top):
                moved[name] = max(moved.get(name, 0.0), float(ep["zmax"][i]))
        lat = side_laterality(ep["side"])
        if ep["blink"] and set(moved) <= {"au05", "au06", "au07"}:
            return []  # the lids around a blink
        if self.blink_brows and ep["blink"] and set(moved) <= _BLINK_PULLS and offset - onset <= self.micro_max_s:
            return []  # a brief brow / lid movement around a blink: the brows are measured from the eye line
        if offset - onset < self.min_duration_s:
            return []  # shorter than two frames at 30 fps: a glitch, not a movement
        if ep["reliable"] / max(ep["dur"], 1e-9) < self.min_reliable:
            return []  # seen largely through unreliable rows (head turn, poor tracking)
        talk_share = ep["talk"] / max(ep["dur"], 1e-9)
        rise = _by_au(ep["amax"])
        # the lower face swings with speech: an AU that did not move counts only at the apex
        at_apex = _by_au(ep["apex_act"]) if talk_share > 0.5 else None
        mouthing = self.mouth_talk and ep["speech"] / max(ep["dur"], 1e-9) > 0.5
        decision = self._speech_decision(moved, lat, rise, ep) if talk_share > 0.5 or mouthing else "expression"
        if at_apex is not None and self.apex_lat:  # speech moves both lip corners: their sides at the apex name it
            for a, (side_lat, top) in apex_laterality(ep["apex_side"]).items():
                lat[a] = side_lat
                if side_lat != "both":  # the AU's own column is the mean of its sides: a one-sided rise shows half
                    at_apex[a] = max(at_apex.get(a, 0.0), top)
        # the lip corners' (and cheeks') level at the apex against the person's neutral: is the face smiling there?
        level = None if "au12" in ep["antag"] else {a: float(ep["apex_x"][IDX[a]]) for a in _LEVEL}
        emotion, flags = name_expression(moved, lat, rise, ep["closed"] / max(ep["dur"], 1e-9), at_apex, level)
        feats = episode_features(ep["strength"], offset - onset, len(moved))
        gate = self.pose_gate_deg > 0 or self.trace_ is not None
        pose = pose_change(self.pose_hist_, onset, apex_t, offset) if gate else None
        leak = pose_explained(moved, rise, pose, min_deg=self.pose_gate_deg, margin=self.pose_gate_margin)
        if self.trace_ is not None:  # bench/spotting.py: every candidate episode, for the calibration fit
            self.trace_.append({"onset": onset, "offset": offset, "decision": decision, "emotion": emotion,
                                "moved": dict(moved), "talk": talk_share, "rise": dict(rise), "pose": pose,
                                "pose_leak": leak, **feats})
        if decision == "speech":
            return []  # a movement of talking, not an expression
        if leak:
            return []  # only what the head's rotation moves, no more than it explains: a pose leak
        measured = set(moved)  # what moved, before the name adds anything: which events are reported depends on it
        if emotion == "happiness" and "au12" not in moved:
            moved["au12"] = 1.0  # named a smile from AU12's rise (its speech-raised threshold hid it): list it
            if level is not None and min(level["au12_l"], level["au12_r"]) >= PRESENT:
                lat["au12"] = "both"  # or from its level at the apex, raised on both sides
        one_side = None
        if emotion == "contempt":  # the one-sided AU12/AU14 that named it gives the event's side, and is listed
            one_side = max((a for a in ("au12", "au14") if lat[a] != "both"), key=lambda a: rise.get(a, 0.0))
            moved.setdefault(one_side, 1.0)
        flags = list(flags)
        if ep["antag"]:
            flags.append("suppressed")
        speech_share = ep["speech"] / max(ep["dur"], 1e-9)
        reliable_share = ep["reliable"] / max(ep["dur"], 1e-9)
        if speech_share > 0.5 or talk_share > 0.5:
            flags.append("speech")
        if reliable_share < 0.95:
            flags.append("low_quality")
        conf = round(confidence(feats), 3)
        intensity = round(float(ep["amax"].max()), 4)
        brow = {
            "kind": "brow_flash",
            "onset_s": onset,
            "apex_s": apex_t,
            "offset_s": offset,
            "emotion": None,
            "confidence": conf,
            "aus": tuple(a for a in ("au01", "au02") if a in moved),
            "intensity": intensity,
            "laterality": lat["au02"] if "au02" in moved else lat["au01"],
            "flags": tuple(f for f in flags if f in ("speech", "low_quality")),
        }
        if decision == "brow_flash":
            return [self._make(**brow)]  # a conversational brow raise while talking: not a surprise
        sided = [a for a in sorted(moved, key=lambda a: -moved[a]) if a in lat]
        laterality = lat[one_side] if one_side else lat[sided[0]] if sided else ("both" if moved else None)
        aus = tuple(sorted(moved, key=lambda a: -moved[a]))
        kind = "micro" if offset - onset <= self.micro_max_s else "macro"
        if self.last_expr_ is not None and self.nest_frac <= 1.0:
            a0, a1 = self.last_expr_
            inter = max(0.0, min(a1, offset) - max(a0, onset))
            if a1 - a0 > offset - onset and inter >= self.nest_frac * (offset - onset):
                return []  # mostly inside the longer expression just reported: the same movement, not a new one
        if not self.dry_:
            self.last_expr_ = (onset, offset)
        ev = [
            {
                "kind": kind,
                "onset_s": onset,
                "apex_s": apex_t,
                "offset_s": offset,
                "emotion": emotion,
                "confidence": conf,
                "aus": aus,
                "intensity": intensity,
                "laterality": laterality,
                "flags": tuple(flags),
            }
        ]
        up = {"au01", "au02"} <= measured and not (measured & set(LOWER)) and 0.15 <= offset - onset <= 1.0
        if up:
            ev.append(brow | {"aus": ("au01", "au02"), "laterality": lat["au02"], "flags": ()})
        return [self._make(**e) for e in ev]

    def _speech_decision(self, moved: dict, lat: dict, rise: dict, ep: dict) -> str:
        """For an episode during talking: ``"expression"``, ``"brow_flash"`` (a conversational brow raise) or
        ``"speech"`` (a movement of talking: dropped). See the class docstring (talk_*) and docs/spotting.md."""
        if self.talk_gate <= 0:
            return "expression"
        g = self.talk_gate
        least = {a: self.talk_tense_min for a in _TENSE}
        up = {a for a in UPPER if moved.get(a, 0.0) >= g and rise.get(a, 0.0) >= least.get(a, self.talk_up_min)}
        brow = max(moved.get("au01", 0.0), moved.get("au02", 0.0))
        wide = moved.get("au05", 0.0) >= g and moved.get("au05", 0.0) >= self.talk_wide * brow
        low_top = max([rise.get(a, 0.0) for a in LOWER if a != "au26"] or [0.0])
        smile = moved.get("au12", 0.0) >= g and rise.get("au12", 0.0) >= 0.7 * low_top
        one_sided = any(moved.get(a, 0.0) >= g and lat.get(a) != "both" for a in ("au12", "au14"))
        still_jaw = ep["jaw"] <= self.talk_jaw and any(moved.get(a, 0.0) >= g for a in ("au09", "au10", "au12"))
        low_expr = smile or one_sided or still_jaw or moved.get("au09", 0.0) >= g
        # a conversational brow raise lifts the whole brow (AU2 with or without AU1); the inner brow alone pulled up
        # against a frown (AU1 with AU4) is the sad / worried brow, an expression
        raise_ = moved.get("au02", 0.0) >= g or "au04" not in moved
        if up and up - {"au05"} <= {"au01", "au02"} and raise_ and not wide and not low_expr:
            return "brow_flash"
        if up or low_expr:
            return "expression"
        lows = [moved[a] for a in LOWER if a != "au26" and moved.get(a, 0.0) >= g]
        return "expression" if len(lows) >= 2 and max(lows) >= self.talk_low else "speech"

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
            summary = r._summary(dict(ep, offset=t if ep["offset"] is None else ep["offset"]))
            if self.nest and self._inside_open(k, summary):
                continue  # part of the other half's ongoing expression: it will not be reported on its own
            out[key] = self._dry_finish(summary)
        return out


def _by_au(values: np.ndarray) -> dict[str, float]:
    """AU name -> value from a vector over CHANNELS, an AU measured by two channels (ALIAS) taking the larger."""
    out: dict[str, float] = {}
    for i, a in enumerate(CHANNELS):
        name = ALIAS.get(a, a)
        out[name] = max(out.get(name, 0.0), float(values[i]))
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

