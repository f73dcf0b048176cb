"""The part of the lower-face AUs that talking explains (EventSpotter's ``artic`` option).

Talking moves a talker's own AU12 / AU14 with every syllable. Per participant, a windowed least squares predicts such
an AU from the articulation columns of the same row (lip gap, lips apart, jaw, mouth stretch, lip shapes), fitted on
recent reliable rows outside lower-face episodes (talking or not: the model is ready sooner than on talking rows
alone); what it does not predict (the residual) is the movement talking does not explain: a smile during speech.
Bounded memory: the rows of the last ``window_s``. Off by default (docs/benchmarks.md, "Tried, not kept").
"""

from __future__ import annotations

from collections import deque

import numpy as np

ARTIC = ("mouth_open", "au25", "au26", "au27", "au18", "au22", "au16", "au28")
"""Articulation columns (docs/signals.md): the regressors."""


class ArticModel:
    """Windowed ridge least squares of ``k`` targets on :data:`ARTIC` (+ intercept), its residual floor and noise.

    ``add`` a calm row (outside episodes); ``refit`` (cheap: at most a few hundred rows x 9 columns) now and then;
    ``resid`` gives a row's targets minus the prediction minus the residual floor."""

    def __init__(self, window_s: float, min_s: float, quantile: float, ridge: float = 0.1) -> None:
        self.window_s, self.min_s, self.quantile, self.ridge = window_s, min_s, quantile, ridge
        self.rows_: deque[tuple[float, np.ndarray, np.ndarray]] = deque()
        self.held_: deque[tuple[float, np.ndarray]] = deque()  # each row's residual before it was fitted on
        self.w_: np.ndarray | None = None  # (len(ARTIC) + 1, k)
        self.floor_: np.ndarray | None = None
        self.noise_: np.ndarray | None = None
        self.lo_: np.ndarray | None = None  # the targets' range over the window: predictions are clipped to it
        self.alo_: np.ndarray | None = None  # the regressors' range over the window (+- 10 % of its span)
        self.ahi_: np.ndarray | None = None
        self.hi_: np.ndarray | None = None

    def clear(self) -> None:
        self.rows_.clear()
        self.held_.clear()
        self.w_ = self.floor_ = self.noise_ = self.lo_ = self.hi_ = self.alo_ = self.ahi_ = None

    def add(self, t: float, a: np.ndarray, y: np.ndarray) -> None:
        if np.isnan(a).any() or np.isnan(y).any():
            return
        if self.w_ is not None:
            self.held_.append((t, y - self._pred(a)))
        self.rows_.append((t, a.copy(), y.copy()))
        while self.rows_ and self.rows_[0][0] < t - self.window_s:
            self.rows_.popleft()
        while self.held_ and self.held_[0][0] < t - self.window_s:
            self.held_.popleft()

    def refit(self) -> None:
        if len(self.rows_) < 16 or self.rows_[-1][0] - self.rows_[0][0] < self.min_s:
            return
        a = np.array([r[1] for r in self.rows_])
        y = np.array([r[2] for r in self.rows_])
        mu, sd = a.mean(0), a.std(0)
        sd = np.where(sd > 1e-6, sd, np.inf)  # a column that does not move (au18 on many faces) gets no weight
        az = (a - mu) / sd
        w = np.linalg.solve(az.T @ az + self.ridge * len(az) * np.eye(az.shape[1]), az.T @ (y - y.mean(0)))
        self.w_ = np.vstack([w / sd[:, None], (y.mean(0) - (mu / sd) @ w)[None]])
        self.lo_, self.hi_ = y.min(0), y.max(0)
        span = a.max(0) - a.min(0)
        self.alo_, self.ahi_ = a.min(0) - 0.1 * span - 1e-6, a.max(0) + 0.1 * span + 1e-6
        res = y - self._pred(a)
        self.floor_ = np.median(res, axis=0)
        if len(self.held_) >= 16:
            # the fit's own residual flatters it (few rows, eight regressors): the residual of rows the model had not
            # seen yet is the honest noise level
            held = np.array([r for _, r in self.held_])
            noise = np.quantile(res - self.floor_, self.quantile, axis=0)
            self.noise_ = np.maximum(noise, np.quantile(held - self.floor_, self.quantile, axis=0))

    def _pred(self, a: np.ndarray) -> np.ndarray:
        # no extrapolation: an unusual mouth shape (a smile's own lip pull) must not predict a level never seen
        return np.clip(a @ self.w_[:-1] + self.w_[-1], self.lo_, self.hi_)

    @property
    def ready(self) -> bool:
        return self.noise_ is not None

    def covers(self, a: np.ndarray) -> bool:
        """Whether the mouth shape ``a`` lies inside the range the model was fitted on (no extrapolation: a model
        fitted on a still mouth knows nothing of talking, one fitted on talking nothing of a yawn)."""
        return bool(np.all((a >= self.alo_) & (a <= self.ahi_)))

    def resid(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``y`` minus its prediction from ``a`` minus the residual floor."""
        return y - self._pred(a) - self.floor_
