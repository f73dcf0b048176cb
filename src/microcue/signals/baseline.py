"""Each person's own neutral face, learned robustly, and AUs relative to it.

The neutral estimate never assumes that the most common expression is neutral. It starts from a *population*
neutral (shipped in ``models/emotion_calibration.json``) and only learns from frames whose expressivity - how far
the frame's AUs are above the *current* neutral estimate - is low. A person who smiles for a whole minute
produces only high-expressivity frames, so the smile never becomes their neutral. Frames are accepted when

    expressivity(aus) = mean of the ``top_k`` largest positive deviations (aus - neutral_)  <=  ``accept``

and the neutral moves toward accepted frames by an exponential moving average whose step is
``quality / (n_accepted_ + warmup)`` early on and ``rate * quality`` later (so the first seconds adapt fast and
the estimate then drifts slowly). Deviations *below* the neutral are accepted at half the rate (a face more
relaxed than the prior is evidence for a lower neutral), except for the antagonists of an AU that is active in the
frame (``ANTAGONIST_AUS``): a smile lifts the lip corners, so the corner depressor AU15 reads below its neutral for
as long as the smile lasts; learning from that made the relaxed face read as AU15 ("sadness") after every long
smile.

Resting faces differ from the population (low-set brows, thin lips, a long chin): a person whose relaxed face is
far from the prior would never pass the acceptance test. So the baseline keeps the ``keep`` least expressive
frames it has seen (a fixed-size buffer), and if after ``bootstrap_after`` frames fewer than ``warmup`` frames
were accepted, it sets the *morphology-prone* AUs (``MORPHOLOGY_AUS``: brows, lids, nose, lips, chin - the ones
that a face's shape moves) to the median of that buffer, once. Expression-only AUs (AU12 smile, AU6 cheek raise,
AU25/26 mouth opening, AU5 lid raise, AU45 blink) keep the prior, so a person who smiles from the first frame for
a whole minute still has their smile measured as a smile. Memory is O(keep x number of AUs).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from microcue.errors import InvalidInputError
from microcue.signals.aus import AU_NAMES

CALIBRATION_FILE = "emotion_calibration.json"

MORPHOLOGY_AUS: tuple[str, ...] = tuple(
    n for n in AU_NAMES if n.split("_")[0] in ("au01", "au02", "au04", "au07", "au09", "au10", "au14", "au15",
                                               "au17", "au20", "au23", "au24", "au04g", "au07g", "au16",
                                               "au18", "au28", "au41", "au04m", "au11", "au38"))
"""AUs whose raw value depends on the shape of a relaxed face as much as on expression (bootstrapped)."""


@lru_cache(maxsize=1)
def _shipped_calibration_text() -> str:
    return (resources.files("microcue") / "models" / CALIBRATION_FILE).read_text(encoding="utf-8")


def shipped_calibration() -> dict[str, Any]:
    """The shipped calibration (population neutral + emotion weights) as a fresh dict."""
    return json.loads(_shipped_calibration_text())


def population_neutral() -> np.ndarray:
    """``(len(AU_NAMES),)`` raw AU values of an average relaxed face (from the shipped calibration)."""
    cal = shipped_calibration()
    pop = cal["population_neutral"]
    return np.array([float(pop[n]) for n in AU_NAMES])


def still_image_neutral() -> np.ndarray:
    """``(len(AU_NAMES),)`` reference of a single still image, which has no personal neutral.

    A per-AU upper quantile of the calibration set's neutral faces (``still_neutral`` in the shipped
    calibration; the quantile was chosen by performer-grouped cross-validation, see bench/accuracy.py): an AU counts
    on a photo only once it is above what most relaxed faces show. Falls back to :func:`population_neutral`.
    Video never uses it: each person's baseline starts from the population neutral and learns their own.
    """
    cal = shipped_calibration()
    ref = cal.get("still_neutral") or cal["population_neutral"]
    return np.array([float(ref[n]) for n in AU_NAMES])


def relative_to_neutral(aus: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """AU activation above a neutral: ``max(aus - neutral, 0)`` (every AU here is an activation AU: a value
    below the person's neutral means "not active", never "negatively active"). Works on ``(..., n_aus)``."""
    return np.clip(np.asarray(aus, dtype=np.float64) - neutral, 0.0, None)


EXPRESSIVITY_AUS: tuple[str, ...] = (
    "au01", "au02", "au04", "au05", "au06", "au07", "au09", "au10", "au12", "au14", "au15", "au17", "au20", "au23",
    "au24", "au26", "au16", "au18", "au22", "au27", "au28", "au43", "au04g", "au07g")
"""The AUs whose deltas make up ``expressivity`` (fixed by name, so that appending AU columns does not change it,
nor the baseline's choice of calm frames, nor the spotter that reads both)."""
_EXPR_IDX = [AU_NAMES.index(n) for n in EXPRESSIVITY_AUS]
ANTAGONIST_AUS: dict[str, tuple[str, ...]] = {
    "au12": ("au15", "au17", "au23", "au24"),  # corners pulled up and out: depressor, chin raise, lip press read low
    "au14": ("au15",),
}
"""AU -> the AUs its movement pushes below their neutral (their measures move the opposite way)."""
_ANT_SRC = [AU_NAMES.index(a) for a in ANTAGONIST_AUS]
_ANT_DST = [[i for i, n in enumerate(AU_NAMES) if n.split("_")[0] in ants] for ants in ANTAGONIST_AUS.values()]


def expressivity(aus_delta: np.ndarray, *, top_k: int = 3) -> np.ndarray:
    """How expressive a face is: the mean of the ``top_k`` largest AU deltas (0..1); ``(..., n_aus) -> (...)``.

    Over ``EXPRESSIVITY_AUS``: AU45 (blink) and AU25 (lips apart, common in speech) are left out (they say little
    about expression), and so are the side columns and the AU columns appended after AU7g.
    """
    d = np.asarray(aus_delta, dtype=np.float64)
    d = np.clip(d[..., _EXPR_IDX], 0.0, None)
    k = max(1, min(top_k, d.shape[-1]))
    return np.sort(d, axis=-1)[..., -k:].mean(axis=-1)


class NeutralBaseline:
    """A participant's neutral face, learned from their low-expressivity frames only.

    Args:
        accept: expressivity (mean of the top-3 AU deltas over the current neutral) at or below which a frame
            counts as neutral and updates the estimate. Default 0.08.
        rate: long-run EMA step per accepted frame at quality 1. Default 0.01 (~100 frames, ~3 s at 30 fps).
        warmup: accepted frames over which the step falls from 1/warmup to ``rate``. Default 30.
        min_quality: frames below this quality are ignored. Default 0.3.
        prior: ``(n_aus,)`` starting neutral; default the shipped population neutral.
        keep: size of the buffer of least-expressive frames used by the bootstrap. Default 64.
        bootstrap_after: frames after which, if fewer than ``warmup`` were accepted, the morphology-prone AUs
            are set from that buffer (once). Default 150 (5 s at 30 fps).

    Latency: 0 frames (each update returns the delta for the frame given).

    Attributes:
        neutral_: ``(len(AU_NAMES),)`` current neutral estimate.
        n_seen_: frames given to update().
        n_accepted_: frames that updated the neutral.
        bootstrapped_: True once the resting-face bootstrap has been applied.
    """

    def __init__(self, *, accept: float = 0.08, rate: float = 0.01, warmup: int = 30, min_quality: float = 0.3,
                 prior: np.ndarray | None = None, keep: int = 64, bootstrap_after: int = 150) -> None:
        if not 0.0 < accept < 1.0:
            raise ValueError(f"accept must be in (0, 1), got {accept}")
        if not 0.0 < rate <= 1.0:
            raise ValueError(f"rate must be in (0, 1], got {rate}")
        if warmup < 1:
            raise ValueError(f"warmup must be >= 1, got {warmup}")
        self.accept = accept
        self.rate = rate
        self.warmup = warmup
        self.min_quality = min_quality
        if keep < 1 or bootstrap_after < 1:
            raise ValueError(f"keep and bootstrap_after must be >= 1, got {keep} and {bootstrap_after}")
        self.prior = prior
        self.keep = keep
        self.bootstrap_after = bootstrap_after
        self.reset()

    def reset(self) -> None:
        """Forget the person: back to the prior."""
        prior = population_neutral() if self.prior is None else np.asarray(self.prior, dtype=np.float64)
        if prior.shape != (len(AU_NAMES),):
            raise ValueError(f"prior must have shape ({len(AU_NAMES)},), got {prior.shape}")
        self.neutral_ = prior.copy()
        self.n_seen_ = 0
        self.n_accepted_ = 0
        self.bootstrapped_ = False
        self.rest_learned_ = False
        self._calm = np.empty((0, len(AU_NAMES)))  # least expressive frames seen (bounded by keep)
        self._calm_expr = np.empty(0)

    @property
    def ready(self) -> bool:
        """True once the neutral is the person's own: ``warmup`` frames were accepted as neutral, or the
        resting-face bootstrap set it from the least expressive frames seen (before that the prior dominates)."""
        return self.n_accepted_ >= self.warmup or self.rest_learned_

    def update(self, aus: np.ndarray, *, quality: float = 1.0) -> np.ndarray:
        """Feed one frame's raw AUs; returns them relative to the neutral *before* this frame (clipped >= 0)."""
        a = np.asarray(aus, dtype=np.float64)
        if a.shape != (len(AU_NAMES),) or not np.all(np.isfinite(a)):
            raise ValueError(f"aus must be a finite array of shape ({len(AU_NAMES)},), got {a.shape}")
        delta = relative_to_neutral(a, self.neutral_)
        self.n_seen_ += 1
        if quality < self.min_quality:
            return delta
        step = max(1.0 / (self.n_accepted_ + self.warmup), self.rate) * float(quality)
        expr = float(expressivity(delta))
        if expr <= self.accept:
            self.neutral_ += step * (a - self.neutral_)
            self.n_accepted_ += 1
        else:
            # an expression pulls its antagonists below their neutral (a smile lifts the lip corners, so the
            # corner-depressor AU15 reads low): that is no evidence of a lower neutral for them
            below = np.minimum(a - self.neutral_, 0.0)
            for i in np.flatnonzero(delta[_ANT_SRC] > self.accept):
                below[_ANT_DST[i]] = 0.0
            self.neutral_ += 0.5 * step * below
        if not self.bootstrapped_:
            self._remember_calm(a, expr)
            if self.n_seen_ >= self.bootstrap_after and self.n_accepted_ < self.warmup:
                idx = [i for i, n in enumerate(AU_NAMES) if n in MORPHOLOGY_AUS]
                self.neutral_[idx] = np.median(self._calm[:, idx], axis=0)
                self.bootstrapped_ = True
                self.rest_learned_ = True
                self._calm, self._calm_expr = np.empty((0, len(AU_NAMES))), np.empty(0)
            elif self.n_accepted_ >= self.warmup:
                self.bootstrapped_ = True  # not needed: the person showed a prior-like relaxed face
                self._calm, self._calm_expr = np.empty((0, len(AU_NAMES))), np.empty(0)
        return delta

    def _remember_calm(self, a: np.ndarray, expr: float) -> None:
        if len(self._calm_expr) < self.keep:
            self._calm = np.vstack([self._calm, a])
            self._calm_expr = np.append(self._calm_expr, expr)
        else:
            worst = int(np.argmax(self._calm_expr))
            if expr < self._calm_expr[worst]:
                self._calm[worst], self._calm_expr[worst] = a, expr

    def transform(self, aus: np.ndarray) -> np.ndarray:
        """AUs ``(..., n_aus)`` relative to the current neutral, without learning from them."""
        return relative_to_neutral(aus, self.neutral_)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready calibration of this person (records the microcue version and AU names)."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("microcue")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            ver = "unknown"
        return {
            "kind": "microcue.NeutralBaseline",
            "microcue_version": ver,
            "au_names": list(AU_NAMES),
            "params": {"accept": self.accept, "rate": self.rate, "warmup": self.warmup,
                       "min_quality": self.min_quality, "keep": self.keep, "bootstrap_after": self.bootstrap_after},
            "bootstrapped": self.bootstrapped_,
            "rest_learned": self.rest_learned_,
            "neutral": [float(v) for v in self.neutral_],
            "n_seen": self.n_seen_,
            "n_accepted": self.n_accepted_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NeutralBaseline:
        """Rebuild a saved baseline; AUs are matched by name (AUs unknown to the save keep the population prior)."""
        if not isinstance(data, dict) or data.get("kind") != "microcue.NeutralBaseline":
            raise InvalidInputError("not a saved microcue NeutralBaseline (missing kind='microcue.NeutralBaseline')")
        try:
            names, values = list(data["au_names"]), [float(v) for v in data["neutral"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"saved NeutralBaseline is malformed: {exc}") from None
        if len(names) != len(values):
            raise InvalidInputError(f"saved NeutralBaseline has {len(names)} AU names but {len(values)} values")
        obj = cls(**data.get("params", {}))
        saved = dict(zip(names, values))
        obj.neutral_ = np.array([saved.get(n, obj.neutral_[i]) for i, n in enumerate(AU_NAMES)])
        obj.n_seen_ = int(data.get("n_seen", 0))
        obj.n_accepted_ = int(data.get("n_accepted", 0))
        obj.bootstrapped_ = bool(data.get("bootstrapped", obj.n_accepted_ >= obj.warmup))
        # saves made before "rest_learned" existed: a bootstrap without enough accepted frames was one
        obj.rest_learned_ = bool(data.get("rest_learned", obj.bootstrapped_ and obj.n_accepted_ < obj.warmup))
        return obj
