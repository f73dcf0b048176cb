"""Emotion probabilities from AU deltas (AUs above the person's neutral), plus valence, arousal and confidence.

The model is a small, readable linear softmax over AU-delta features (``FEATURES``): one logit per emotion,
``logit_e = bias_e + sum_f weight_e,f * x_f``, whose weights start from the FACS/EMFACS prototypes

    happiness AU6+AU12; sadness AU1+AU4+AU15(+AU17); surprise AU1+AU2+AU5+AU26;
    fear AU1+AU2+AU4+AU5+AU7+AU20+AU26; anger AU4+AU5+AU7+AU23(+AU24); disgust AU9+AU10(+AU15/17);
    contempt = ONE-SIDED AU12/AU14 (features ``asym12``, ``asym14`` = |left - right| of the deltas)

with a few inhibitory terms (e.g. AU12 argues against anger and disgust). Neutral is the reference (logit =
its bias). The numbers live in ``models/emotion_calibration.json`` with their provenance; see
docs/model-card-emotion.md.
"""

from __future__ import annotations

import json
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from microcue.errors import InvalidInputError
from microcue.signals.aus import AU_INDEX, AU_NAMES

EMOTIONS: tuple[str, ...] = ("neutral", "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")
EMOTION_ALIASES: dict[str, str] = {
    "angry": "anger", "disgusted": "disgust", "afraid": "fear", "fearful": "fear", "scared": "fear",
    "happy": "happiness", "joy": "happiness", "sad": "sadness", "surprised": "surprise", "calm": "neutral",
    "neutral_calm": "neutral", "contemptuous": "contempt",
}
"""Other common spellings of the eight (FER2013, AffectNet, RAF-DB, rater files) and the emotion they mean."""

NOT_IN_MODEL: tuple[str, ...] = ("au34",)
"""AU columns the emotion model does not read: AU34 (cheek puff) does not vary on the posed calibration photos
(98th percentile 0.001), so no weight for it could be calibrated (a fitted one blows up on that noise)."""
BILATERAL_AUS: tuple[str, ...] = tuple(n for n in AU_NAMES if not n.endswith(("_l", "_r")) and n not in NOT_IN_MODEL)
ASYMMETRIES: tuple[str, ...] = ("asym01", "asym12", "asym14")
"""``asymNN = |auNN_l - auNN_r|`` of the deltas (one-sided brow raise, one-sided smile / dimpler: contempt)."""
INTERACTIONS: tuple[tuple[str, str], ...] = (
    ("au06", "au12"),  # Duchenne smile (cheeks + corners) vs a social or crying mouth
    ("au01", "au04"),  # oblique "grief" brows (sadness, fear)
    ("au01", "au02"),  # whole brow raised (surprise, fear)
    ("au04", "au07"),  # brows down + lids tight (anger, disgust)
    ("au09", "au10"),  # nose wrinkle + upper lip raise (disgust)
    ("au20", "au25"),  # stretched, parted lips (fear)
    ("au01", "au12"),  # raised inner brows with lifted corners: crying, not joy
    ("au43", "au12"),  # closed eyes with lifted corners (laughing or crying)
    ("au05", "au26"),  # wide eyes + jaw drop (surprise)
    ("au15", "au17"),  # corners down + chin up (sadness)
)
"""Products of two AU deltas (each feature is ``a * b``); the reason each is there is in the comment."""
CRYING: tuple[str, ...] = ("cry_squeeze", "au01*au04*au12")
"""Crying-vs-laughing evidence (rule features; their weights are set from the literature, not fitted):

- ``cry_squeeze = au12 * max(au07, au43) * (1 - min(1, au06 / DUCHENNE_AU06))``: lifted lip corners with the
  eyes narrowed or squeezed shut but *without* the cheek raise (AU6) that makes a Duchenne smile or a laugh
  narrow the eyes (Ekman, Davidson & Friesen 1990; the crying face of Provine et al. 2007 / Messinger 2002).
- ``au01*au04*au12``: the oblique "grief" brows (AU1+AU4, EMFACS sadness) over lifted corners.
"""
DUCHENNE_AU06 = 0.3
"""AU6 delta at which the eye narrowing counts as fully explained by a cheek raise (``cry_squeeze`` -> 0).
Set by hand at the AU6 of a clear Duchenne smile on this 0..1 scale (declared tuning: chosen after looking at the
Pexels clip's AUs, see docs/model-card-emotion.md)."""
FEATURES: tuple[str, ...] = (BILATERAL_AUS + ASYMMETRIES
                             + tuple(f"{a}*{b}" for a, b in INTERACTIONS) + CRYING)
"""Model inputs: the bilateral AU deltas, three left/right asymmetries, the AU products of ``INTERACTIONS`` and the
crying rule features ``CRYING``."""

# Valence / arousal of each emotion (circumplex placement, Russell 1980; Scherer's GRID values rounded).
_VA = {
    "neutral": (0.0, 0.0), "anger": (-0.6, 0.7), "contempt": (-0.5, 0.2), "disgust": (-0.7, 0.3),
    "fear": (-0.7, 0.8), "happiness": (0.8, 0.5), "sadness": (-0.7, -0.4), "surprise": (0.2, 0.8),
}
_BIL = [AU_INDEX[n] for n in BILATERAL_AUS]
_ASYM = [(AU_INDEX[a + "_l"], AU_INDEX[a + "_r"]) for a in ("au01", "au12", "au14")]
_INTER = [(AU_INDEX[a], AU_INDEX[b]) for a, b in INTERACTIONS]


def features(au_delta: np.ndarray) -> np.ndarray:
    """``(..., len(AU_NAMES))`` AU deltas -> ``(..., len(FEATURES))`` model features."""
    d = np.clip(np.asarray(au_delta, dtype=np.float64), 0.0, None)
    if d.shape[-1] != len(AU_NAMES):
        raise ValueError(f"au_delta must have last dimension {len(AU_NAMES)} (AU_NAMES), got shape {d.shape}")
    asym = [np.abs(d[..., i] - d[..., j]) for i, j in _ASYM]
    inter = [d[..., i] * d[..., j] for i, j in _INTER]
    a12 = d[..., AU_INDEX["au12"]]
    squeeze = np.maximum(d[..., AU_INDEX["au07"]], d[..., AU_INDEX["au43"]])
    no_cheek = 1.0 - np.clip(d[..., AU_INDEX["au06"]] / DUCHENNE_AU06, 0.0, 1.0)
    cry = [a12 * squeeze * no_cheek, d[..., AU_INDEX["au01"]] * d[..., AU_INDEX["au04"]] * a12]
    return np.concatenate([d[..., _BIL], np.stack(asym + inter + cry, axis=-1)], axis=-1)


class EmotionModel:
    """Linear softmax over ``FEATURES``. Build with :meth:`from_dict` / :func:`load_calibration`.

    Attributes:
        weights_: ``(len(EMOTIONS), len(FEATURES))``.
        bias_: ``(len(EMOTIONS),)``.
        temperature: logits are divided by it before the softmax.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray, *, temperature: float = 1.0) -> None:
        w, b = np.asarray(weights, dtype=np.float64), np.asarray(bias, dtype=np.float64)
        if w.shape != (len(EMOTIONS), len(FEATURES)) or b.shape != (len(EMOTIONS),):
            raise ValueError(f"weights must be {(len(EMOTIONS), len(FEATURES))} and bias {(len(EMOTIONS),)}, "
                             f"got {w.shape} and {b.shape}")
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.weights_, self.bias_, self.temperature = w, b, float(temperature)

    def logits(self, au_delta: np.ndarray) -> np.ndarray:
        return (features(au_delta) @ self.weights_.T + self.bias_) / self.temperature

    def probs(self, au_delta: np.ndarray) -> np.ndarray:
        z = self.logits(au_delta)
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    @classmethod
    def from_dict(cls, cal: dict[str, Any]) -> EmotionModel:
        try:
            wd, bd = cal["weights"], cal["bias"]
            w = np.array([[float(wd.get(e, {}).get(f, 0.0)) for f in FEATURES] for e in EMOTIONS])
            b = np.array([float(bd.get(e, 0.0)) for e in EMOTIONS])
            return cls(w, b, temperature=float(cal.get("temperature", 1.0)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInputError(f"emotion calibration is malformed: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": {e: {f: round(float(self.weights_[i, j]), 4) for j, f in enumerate(FEATURES)
                            if self.weights_[i, j] != 0} for i, e in enumerate(EMOTIONS)},
            "bias": {e: round(float(self.bias_[i]), 4) for i, e in enumerate(EMOTIONS)},
            "temperature": self.temperature,
        }


def load_calibration(path: str | Path | None = None) -> EmotionModel:
    """The emotion model of a calibration JSON (default: the shipped ``models/emotion_calibration.json``)."""
    if path is None:
        from microcue.signals.baseline import shipped_calibration

        return EmotionModel.from_dict(shipped_calibration())
    p = Path(path)
    try:
        return EmotionModel.from_dict(json.loads(p.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"cannot read emotion calibration {p}: {exc}") from None


@lru_cache(maxsize=1)
def _default_model() -> EmotionModel:
    return load_calibration()


def emotion_probs(au_delta: np.ndarray, *, model: EmotionModel | None = None) -> np.ndarray:
    """Probabilities of ``EMOTIONS`` for AU deltas ``(..., len(AU_NAMES))`` -> ``(..., 8)`` (rows sum to 1)."""
    return (model or _default_model()).probs(au_delta)


def fuse_cnn(p_au: np.ndarray, p_cnn: np.ndarray, au_weight: float | np.ndarray,
             cnn_weight: float | np.ndarray, bias: float | np.ndarray = 0.0) -> np.ndarray:
    """The AU model's probabilities combined with the face CNN's, class by class:
    ``score_k = au_weight_k log p_AU(k) + cnn_weight_k log p_CNN(k) + bias_k``, then a softmax.

    Args:
        p_au: ``(..., 8)`` in ``EMOTIONS`` order.
        p_cnn: ``(..., 7)`` in :data:`microcue.faces.expression_cnn.CNN_CLASSES` order.
        au_weight, cnn_weight, bias: scalars, or ``(8,)`` in ``EMOTIONS`` order. ``(1 - w, w)`` is a plain
            log-linear mixture; the shipped still-image weights are per class (``still_fusion`` in the
            calibration, bench/STACK_DECLARED.md).

    The CNN has no contempt class and cannot tell a one-sided smirk from a relaxed face, so contempt is scored with
    neutral's weights on the AU model's contempt probability and the CNN's *neutral* probability: contempt against
    neutral stays the AU model's call (contempt comes from the one-sided pattern, never from the CNN).
    """
    from microcue.faces.expression_cnn import CNN_CLASSES

    n, c = EMOTIONS.index("neutral"), EMOTIONS.index("contempt")
    cnn_of = [CNN_CLASSES.index("neutral" if name == "contempt" else name) for name in EMOTIONS]
    weights = []
    for v in (au_weight, cnn_weight, bias):
        arr = np.broadcast_to(np.asarray(v, dtype=np.float64), (len(EMOTIONS),)).copy()
        arr[c] = arr[n]
        weights.append(arr)
    p_au = np.asarray(p_au, dtype=np.float64)
    cnn8 = np.asarray(p_cnn, dtype=np.float64)[..., cnn_of]  # the CNN's reading of each of the eight
    tiny = 1e-6
    s = weights[0] * np.log(np.clip(p_au, tiny, 1.0)) + weights[1] * np.log(np.clip(cnn8, tiny, 1.0)) + weights[2]
    s -= s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def still_fusion_weights(cal: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(au_weight, cnn_weight, bias)``, each ``(8,)`` in ``EMOTIONS`` order, of a calibration's
    ``still_fusion`` (per class; contempt takes neutral's). Without one: the AU model alone."""
    fusion = cal.get("still_fusion")
    if fusion is None:
        return np.ones(len(EMOTIONS)), np.zeros(len(EMOTIONS)), np.zeros(len(EMOTIONS))
    try:
        return tuple(np.array([float(fusion[k].get(e, fusion[k]["neutral"])) for e in EMOTIONS])  # type: ignore
                     for k in ("au_weight", "cnn_weight", "bias"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInputError(f"emotion calibration has a malformed still_fusion: {exc}") from None


SPEECH_BAND = (0.03, 0.08)
"""``mouth_activity`` (the standard deviation of the lip opening over 0.5 s, in inter-ocular distances) from which
a face counts as starting to talk, and as fully talking. The event spotter uses the same band (``speech_lo``,
``speech_hi``)."""
SPEECH_AUS: tuple[str, ...] = ("au25", "au26", "au27", "au16", "au18", "au20", "au22", "au23", "au24", "au28",
                               "au17")
"""AUs that articulation makes: lips apart and the jaw, the lips' shaping, the chin. While a face talks they are
speech, not expression, and the emotion model does not read them (:func:`speech_gated`). The lip corners (AU12,
AU14, AU15), the upper lip (AU10), the nose (AU9) and the upper face still count. Measured in
bench/TALK_EMOTIONS_DECLARED.md and kept by bench/TALK_EMOTIONS_2_DECLARED.md: on posed photos parted lips mean fear
or surprise, so without this a plain conversation read as fear."""
_SPEECH_IDX = [i for i, n in enumerate(AU_NAMES) if n.split("_")[0] in SPEECH_AUS]


def speech_degree(mouth_activity: float | np.ndarray, band: tuple[float, float] = SPEECH_BAND) -> np.ndarray:
    """0 (the mouth is still or moves slowly) .. 1 (it opens and closes in the rhythm of talking), over ``band``
    (default :data:`SPEECH_BAND`; the event spotter passes its own ``speech_lo``, ``speech_hi``). NaN reads 0."""
    lo, hi = band
    m = np.nan_to_num(np.asarray(mouth_activity, dtype=np.float64), nan=0.0)
    return np.clip((m - lo) / max(hi - lo, 1e-9), 0.0, 1.0)


class SpeechHold:
    """A talker's speech degree, held at its largest value over the last ``window_s`` seconds: the lips stay
    parted in the short pauses between words, where the mouth's activity dips. Streaming, bounded memory."""

    def __init__(self, window_s: float = 0.5) -> None:
        self.window_s = window_s
        self.recent_: deque[tuple[float, float]] = deque()

    def update(self, t: float, mouth_activity: float) -> float:
        """The held speech degree at time ``t`` (seconds, increasing) given this row's ``mouth_activity``."""
        s = float(speech_degree(mouth_activity))
        while self.recent_ and self.recent_[-1][1] <= s:
            self.recent_.pop()  # a monotone queue: the front is the window's maximum
        self.recent_.append((t, s))
        while self.recent_[0][0] < t - self.window_s:
            self.recent_.popleft()
        return self.recent_[0][1]


def held_speech(times: np.ndarray, mouth_activity: np.ndarray, window_s: float = 0.5) -> np.ndarray:
    """:class:`SpeechHold` over one person's rows in time order (for stored signal rows)."""
    hold = SpeechHold(window_s)
    return np.array([hold.update(float(t), float(m)) for t, m in zip(times, mouth_activity)])


def speech_gated(au_delta: np.ndarray, speech: float | np.ndarray) -> np.ndarray:
    """AU deltas ``(..., n_aus)`` with :data:`SPEECH_AUS` scaled by ``1 - speech`` (``speech`` ``(...)`` in 0..1)."""
    d = np.array(au_delta, dtype=np.float64)
    d[..., _SPEECH_IDX] *= (1.0 - np.asarray(speech, dtype=np.float64))[..., None]
    return d


def row_probs(au_delta: np.ndarray, speech: float | np.ndarray, *, model: EmotionModel | None = None) -> np.ndarray:
    """The probabilities of a signal row (video): :func:`emotion_probs` of the AU deltas with the AUs of talking
    gated by the row's held speech degree (:class:`SpeechHold`). ``(..., n_aus)``, ``(...)`` -> ``(..., 8)``."""
    return emotion_probs(speech_gated(au_delta, speech), model=model)


def valence_arousal(probs: np.ndarray, au_delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Valence in [-1, 1] and arousal in [0, 1].

    valence = sum_e p_e * v_e (circumplex values in ``_VA``);
    arousal = 0.5 * sum_e p_e * a_e (clipped >= 0) + 0.5 * min(1, 2 * expressivity(au_delta))
    (the second half says how much the face is moving at all, whatever the emotion).
    """
    from microcue.signals.baseline import expressivity

    p = np.asarray(probs, dtype=np.float64)
    v = np.array([_VA[e][0] for e in EMOTIONS])
    a = np.array([_VA[e][1] for e in EMOTIONS])
    valence = np.clip(p @ v, -1.0, 1.0)
    arousal = 0.5 * np.clip(p @ a, 0.0, 1.0) + 0.5 * np.minimum(1.0, 2.0 * expressivity(au_delta))
    return valence, np.clip(arousal, 0.0, 1.0)


def confidence(probs: np.ndarray, *, quality: float | np.ndarray = 1.0) -> np.ndarray:
    """How sure the call is, 0..1: ``quality * (p_top - p_second) * (1 - normalised entropy) ** 0.5``."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)
    s = np.sort(p, axis=-1)
    margin = s[..., -1] - s[..., -2]
    ent = -(p * np.log(p)).sum(axis=-1) / np.log(p.shape[-1])
    return np.clip(np.asarray(quality) * margin * np.sqrt(np.clip(1.0 - ent, 0.0, 1.0)), 0.0, 1.0)
