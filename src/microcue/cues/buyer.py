"""Buyer cues (every participant when no roles are given): what the face, the head and the words show.

Thresholds are module constants (docs/cues.md lists them). Observations say what was seen, with a clock time.
"""

from __future__ import annotations

import numpy as np

from microcue.cues.words import clock, excerpt

NEGATIVE = ("anger", "contempt", "disgust", "fear")
MIN_EVENT_CONFIDENCE = 0.15
NEAR_S = 1.0  # "within about a second"
GAZE_MIN_S = 1.0
BIN_S = 0.5
SHIFT_BASE_S, SHIFT_MIN_BASE_S, SHIFT_RECENT_S, SHIFT_Z, SHIFT_REFRACTORY_S = 15.0, 4.0, 2.0, 3.0, 10.0
SHIFT_MIN_DELTA = {"valence": 0.25, "engagement": 0.12, "expressivity": 0.10}
SHIFT_STD_FLOOR = {"valence": 0.05, "engagement": 0.03, "expressivity": 0.03}
LEAN_DELTA, LEAN_MIN_S, LEAN_BASE_S = 0.08, 1.5, 10.0
NOD_VALENCE_RISE, NOD_HAPPY_P = 0.15, 0.4
WORDS_NEG, WORDS_POS, SAY_NEG, SAY_POS = -0.35, 0.4, -0.3, 0.3
REACTIONS = (
    "doubt",
    "surprise",
    "genuine_smile",
    "polite_smile",
    "lights_up",
    "checks_out",
    "agreeing_nod",
    "placating_nod",
    "shift",
    "incongruence",
)


def event_confidence(e, ref: float = 0.3) -> float:
    """The event's calibrated confidence scaled by its strength: x (0.6 + 0.4 min(1, intensity/ref)),
    x 0.8 when the face was poorly seen."""
    c = e.confidence * (0.6 + 0.4 * min(1.0, max(0.0, e.intensity) / ref))
    return c * (0.8 if "low_quality" in e.flags else 1.0)


def is_doubt(e) -> bool:
    if e.kind not in ("micro", "macro") or e.confidence < MIN_EVENT_CONFIDENCE:
        return False
    one_sided = e.laterality in ("left", "right") and bool({"au12", "au14"} & set(e.aus))
    brow = "au04" in e.aus and e.emotion not in ("happiness", "surprise")
    return e.emotion in NEGATIVE or one_sided or brow


def is_negative_face(e) -> bool:
    return is_doubt(e) or (
        e.kind in ("micro", "macro") and e.emotion == "sadness" and e.confidence >= MIN_EVENT_CONFIDENCE
    )


def is_smile(e) -> bool:
    return e.kind in ("micro", "macro") and e.emotion == "happiness" and e.confidence >= MIN_EVENT_CONFIDENCE


def _length(e) -> str:
    return "brief" if e.kind == "micro" else f"{e.duration_s:.1f} s"


def describe(e) -> str:
    """Plain words for what the face did (no emotion claims)."""
    n = _length(e)
    if e.laterality in ("left", "right") and {"au12", "au14"} & set(e.aus):
        return f"a {n} one-sided tightening of the mouth corner"
    if e.emotion == "anger" or ("au04" in e.aus and e.emotion not in ("disgust", "fear", "contempt")):
        return f"a {n} frown (brows drawn down)"
    return {
        "contempt": f"a {n} one-sided tightening of the mouth corner",
        "disgust": f"a {n} nose wrinkle / upper-lip raise",
        "fear": f"a {n} widening of the eyes with tense brows",
        "sadness": f"a {n} downturn of the mouth corners",
        "surprise": f"a {n} brow raise with widened eyes",
    }.get(e.emotion or "", f"a {n} facial movement")


def _near(events, t0: float, t1: float, pred) -> list:
    return [e for e in events if pred(e) and e.offset_s >= t0 - NEAR_S and e.onset_s <= t1 + NEAR_S]


# ------------------------------------------------------------------------------------------- signal helpers
def binned(rows, col: str, bin_s: float = BIN_S) -> tuple[np.ndarray, np.ndarray]:
    """(bin start times, mean of ``col`` per bin) on a regular grid; bins without rows are nan."""
    if rows is None or col not in rows:
        return np.zeros(0), np.zeros(0)
    t = rows["time_s"].to_numpy(float)
    v = rows[col].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if len(t) == 0:
        return np.zeros(0), np.zeros(0)
    t0 = np.floor(t.min() / bin_s) * bin_s
    idx = ((t - t0) / bin_s).astype(int)
    n = idx.max() + 1
    sums = np.bincount(idx, v, minlength=n)
    counts = np.bincount(idx, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return t0 + np.arange(n) * bin_s, means


def change_points(
    t: np.ndarray,
    v: np.ndarray,
    *,
    min_delta: float,
    std_floor: float,
    base_s: float = SHIFT_BASE_S,
    min_base_s: float = SHIFT_MIN_BASE_S,
    recent_s: float = SHIFT_RECENT_S,
    z_thr: float = SHIFT_Z,
    refractory_s: float = SHIFT_REFRACTORY_S,
) -> list[dict]:
    """Two-window change points: the mean of the next ``recent_s`` against the mean of the previous ``base_s``
    (the person's own recent baseline), in units of that baseline's spread (floored at ``std_floor``). A change
    fires when |z| >= z_thr and |difference| >= min_delta; then nothing for ``refractory_s``."""
    nb, nr, nmin = int(round(base_s / BIN_S)), int(round(recent_s / BIN_S)), int(round(min_base_s / BIN_S))
    out, next_ok = [], -np.inf
    for i in range(nmin, len(v) - nr + 1):
        if t[i] < next_ok:
            continue
        base = v[max(0, i - nb) : i]
        base = base[np.isfinite(base)]
        recent = v[i : i + nr]
        recent = recent[np.isfinite(recent)]
        if len(base) < nmin or len(recent) < max(1, nr // 2):
            continue
        mb, mr = float(base.mean()), float(recent.mean())
        z = (mr - mb) / max(float(base.std()), std_floor)
        if abs(z) >= z_thr and abs(mr - mb) >= min_delta:
            out.append(
                dict(time_s=float(t[i]), before=mb, after=mr, z=float(z), span=(float(t[i]), float(t[i] + recent_s)))
            )
            next_ok = t[i] + refractory_s
    return out


def _sustained(t: np.ndarray, mask: np.ndarray, min_s: float) -> list[tuple[float, float]]:
    """Runs of consecutive True bins lasting at least ``min_s``: (start, end) times."""
    runs, start = [], None
    for i, m in enumerate(np.append(mask, False)):
        if m and start is None:
            start = i
        elif not m and start is not None:
            if (i - start) * BIN_S >= min_s:
                runs.append((float(t[start]), float(t[i - 1] + BIN_S)))
            start = None
    return runs


def _quality(rows, t0: float, t1: float) -> float:
    if rows is None or "quality" not in rows:
        return 1.0
    q = rows["quality"][(rows["time_s"] >= t0) & (rows["time_s"] <= t1)]
    return float(q.mean()) if len(q) else 1.0


# ------------------------------------------------------------------------------------------- the rules
def face_cues(ctx, pid: str) -> list:
    evs = ctx.events_of(pid)
    rows = ctx.rows(pid)
    cues = []

    def from_event(kind, e, **kw):
        """A cue at an event's apex, citing it, described by it."""
        return ctx.cue(kind, pid, e.apex_s, describe(e), confidence=event_confidence(e), event_ids=[e.id],
                       span=(e.onset_s, e.offset_s), **kw)

    for e in evs:
        if is_doubt(e):
            cues.append(from_event("doubt", e, details=dict(emotion=e.emotion, aus=list(e.aus), flags=list(e.flags))))
        elif e.kind in ("micro", "macro") and e.emotion == "surprise" and e.confidence >= MIN_EVENT_CONFIDENCE:
            cues.append(from_event("surprise", e))
        elif is_smile(e):
            genuine = "duchenne" in e.flags or ("social" not in e.flags and "au06" in e.aus)
            kind = "genuine_smile" if genuine else "polite_smile"
            what = (
                f"a {_length(e)} smile reaching the eyes (cheeks raised)"
                if genuine
                else f"a {_length(e)} smile without cheek raise"
            )
            cues.append(
                ctx.cue(
                    kind,
                    pid,
                    e.apex_s,
                    what,
                    confidence=event_confidence(e),
                    event_ids=[e.id],
                    span=(e.onset_s, e.offset_s),
                    details=dict(flags=list(e.flags)),
                )
            )
        elif e.kind == "brow_flash" and e.confidence >= MIN_EVENT_CONFIDENCE:
            smiles = [s for s in _near(evs, e.onset_s, e.offset_s, is_smile) if "duchenne" in s.flags]
            if "speech" in e.flags and not smiles:
                continue  # brows raised for emphasis while they talk: punctuation of speech, not lighting up
            conf = event_confidence(e) * (1.2 if smiles else 1.0)
            cues.append(
                ctx.cue(
                    "lights_up",
                    pid,
                    e.apex_s,
                    "a quick eyebrow flash" + (" with a smile" if smiles else ""),
                    confidence=conf,
                    event_ids=[e.id] + [s.id for s in smiles],
                    span=(e.onset_s, e.offset_s),
                )
            )
        elif e.kind == "gaze_aversion" and e.duration_s >= GAZE_MIN_S:
            cues.append(
                ctx.cue(
                    "checks_out",
                    pid,
                    e.onset_s,
                    f"looked away from the screen for {e.duration_s:.1f} s",
                    confidence=event_confidence(e, ref=3.0),
                    event_ids=[e.id],
                    span=(e.onset_s, e.offset_s),
                )
            )
        elif e.kind == "nod":
            cues.append(_nod(ctx, pid, e, evs, rows))
    cues += _lean(ctx, pid, rows)
    cues += _shifts(ctx, pid, rows)
    cues += incongruence(ctx, pid, "incongruence")
    return [c for c in cues if c is not None]


def _nod(ctx, pid, e, evs, rows):
    neg = _near(evs, e.onset_s, e.offset_s, is_negative_face)
    smiles = _near(evs, e.onset_s, e.offset_s, is_smile)
    rise = happy = None
    if rows is not None:
        t = rows["time_s"]
        during = rows[(t >= e.onset_s) & (t <= e.offset_s)]
        before = rows[(t >= e.onset_s - 10.0) & (t < e.onset_s)]
        if len(during) and len(before) and "valence" in rows:
            rise = float(during["valence"].mean() - before["valence"].median())
        if len(during) and "p_happiness" in rows:
            happy = float(during["p_happiness"].mean())
    positive = bool(smiles) or (rise is not None and rise >= NOD_VALENCE_RISE) or (happy or 0.0) >= NOD_HAPPY_P
    base = event_confidence(e, ref=10.0)
    details = dict(
        valence_rise=None if rise is None else round(rise, 3), p_happiness=None if happy is None else round(happy, 3)
    )
    if neg:
        n = neg[0]
        return ctx.cue(
            "placating_nod",
            pid,
            e.apex_s,
            f"a nod with {describe(n)} within a second",
            confidence=base * event_confidence(n) ** 0.5,
            event_ids=[e.id, n.id],
            span=(min(e.onset_s, n.onset_s), max(e.offset_s, n.offset_s)),
            details=details,
        )
    if positive:
        return ctx.cue(
            "agreeing_nod",
            pid,
            e.apex_s,
            "a nod with a smile" if smiles else "a nod with a brighter face",
            confidence=base,
            event_ids=[e.id] + [s.id for s in smiles],
            span=(e.onset_s, e.offset_s),
            details=details,
        )
    if rise is None and happy is None:
        return None  # no face measurement around the nod: positive affect unknown
    return ctx.cue(
        "placating_nod",
        pid,
        e.apex_s,
        "a nod with no smile or brightening of the face",
        confidence=0.6 * base,
        event_ids=[e.id],
        span=(e.onset_s, e.offset_s),
        details=details,
    )


def _lean(ctx, pid, rows) -> list:
    t, v = binned(rows, "face_scale")
    if len(v) == 0:
        return []
    nb = int(LEAN_BASE_S / BIN_S)
    base = np.array(
        [
            np.nanmedian(v[max(0, i - nb) : i]) if np.isfinite(v[max(0, i - nb) : i]).sum() >= 8 else np.nan
            for i in range(len(v))
        ]
    )
    d = v - base
    out = []
    for sign, kind, what in (
        (1, "lights_up", "leaned in toward the camera"),
        (-1, "checks_out", "leaned back from the camera"),
    ):
        for t0, t1 in _sustained(t, np.nan_to_num(sign * d) >= LEAN_DELTA, LEAN_MIN_S):
            seg = sign * d[(t >= t0) & (t < t1)]
            peak = float(np.nanmax(seg))
            conf = min(0.85, 0.4 + 2.0 * (peak - LEAN_DELTA)) * _quality(rows, t0, t1)
            out.append(
                ctx.cue(
                    kind,
                    pid,
                    t0,
                    f"{what} ({(peak) * 100:.0f} % closer than their recent distance)"
                    if sign > 0
                    else f"{what} ({peak * 100:.0f} % farther than their recent distance)",
                    confidence=conf,
                    span=(t0, t1),
                    details=dict(face_scale_change=round(sign * peak, 3)),
                )
            )
    return out


def _shifts(ctx, pid, rows) -> list:
    out = []
    for col in ("valence", "engagement", "expressivity"):
        t, v = binned(rows, col)
        for cp in change_points(t, v, min_delta=SHIFT_MIN_DELTA[col], std_floor=SHIFT_STD_FLOOR[col]):
            conf = min(0.9, 0.35 + 0.1 * (abs(cp["z"]) - SHIFT_Z)) * _quality(rows, *cp["span"])
            details = dict(signal=col, before=round(cp["before"], 3), after=round(cp["after"], 3), z=round(cp["z"], 2))
            down = cp["after"] < cp["before"]
            if col == "expressivity":
                if down:
                    out.append(
                        ctx.cue(
                            "checks_out",
                            pid,
                            cp["time_s"],
                            "facial movement fell from "
                            f"{cp['before']:.2f} to {cp['after']:.2f} (expressivity, against their own "
                            "previous seconds)",
                            confidence=conf,
                            span=cp["span"],
                            details=details,
                        )
                    )
                continue
            label = "pleasantness of the face (valence)" if col == "valence" else "engagement (attention, animation)"
            out.append(
                ctx.cue(
                    "shift",
                    pid,
                    cp["time_s"],
                    f"a shift: {label} {'fell' if down else 'rose'} from "
                    f"{cp['before']:+.2f} to {cp['after']:+.2f} against their own previous seconds",
                    confidence=conf,
                    span=cp["span"],
                    details=details,
                )
            )
    return out


def incongruence(ctx, pid: str, kind: str) -> list:
    """Words vs face: the speaker's own utterance and their own facial event within ~1 s disagree."""
    from microcue.conversation.sentiment import sentiment

    speaker = ctx.speaker_of.get(pid)
    if speaker is None:
        return []
    evs = ctx.events_of(pid, ("micro", "macro"))
    out = []
    for u in ctx.speaker_utterances([speaker]):
        s = sentiment(u.text)
        if s.score >= SAY_POS:
            faces, words = _near(evs, u.start_s, u.end_s, is_negative_face), "positive words"
        elif s.score <= SAY_NEG:
            faces, words = _near(evs, u.start_s, u.end_s, is_smile), "negative words"
        else:
            continue
        if not faces:
            continue
        e = max(faces, key=event_confidence)
        conf = event_confidence(e) * min(1.0, abs(s.score) / 0.6)
        quote = s.phrases[0] if s.phrases else excerpt(u.text, 60)
        what = f'{describe(e)} while saying "{quote}" ({words})'
        out.append(
            ctx.cue(
                kind,
                pid,
                e.apex_s,
                what,
                confidence=conf,
                event_ids=[e.id],
                span=(min(u.start_s, e.onset_s), max(u.end_s, e.offset_s)),
                utterance=u,
                details=dict(sentiment=round(s.score, 3), phrases=list(s.phrases)),
            )
        )
    return out


def word_cues(ctx) -> list:
    """Words-only cues for speakers with no face: pushback and interest phrases, said so in the observation."""
    from microcue.conversation.sentiment import sentiment
    from microcue.conversation.speakers import names_match

    seller_names = [ctx.name(p) for p in ctx.sellers]
    out = []
    for u in ctx.utterances:
        if u.speaker is None or ctx.participant_of.get(u.speaker, None) is not None:
            continue
        if any(names_match(u.speaker, n) for n in seller_names):
            continue
        s = sentiment(u.text)
        if s.score > WORDS_NEG and s.score < WORDS_POS:
            continue
        kind = "doubt" if s.score <= WORDS_NEG else "lights_up"
        quote = s.phrases[0] if s.phrases else excerpt(u.text, 60)
        out.append(
            ctx.cue(
                kind,
                u.speaker,
                u.start_s,
                f'{u.speaker} said "{quote}"',
                role="unknown",
                confidence=min(0.6, 0.7 * abs(s.score)),
                span=(u.start_s, u.end_s),
                utterance=u,
                words_only=True,
                details=dict(sentiment=round(s.score, 3), phrases=list(s.phrases)),
            )
        )
    return out


def topic_reactions(ctx, cues) -> list:
    """A reaction while a tracked topic was current: one topic_reaction cue per reaction (then merged)."""
    out = []
    for c in cues:
        if c.kind not in REACTIONS or c.evidence.topic is None or c.participant in ctx.sellers:
            continue
        what = c.observation.split(f" at {clock(c.time_s)}")[0]
        details = dict(reaction=c.kind)
        if c.evidence.details.get("words_only"):
            details["words_only"] = True
        hit = ctx.topic_at(c.time_s)
        if hit is not None:
            details["topic_raised_by"] = excerpt(hit[1].text, 80)
        cue = ctx.cue(
            "topic_reaction",
            c.participant,
            c.time_s,
            f"{what} ({c.kind.replace('_', ' ')})",
            role=c.role,
            confidence=0.9 * c.confidence,
            event_ids=c.evidence.event_ids,
            span=(c.evidence.start_s, c.evidence.end_s),
            details=details,
            words_only=bool(c.evidence.details.get("words_only")),
        )
        out.append(cue)
    return out
