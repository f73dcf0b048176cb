"""Per-participant timeline figures (Plotly): valence and engagement over time, events and cues as markers,
what was being said on hover.

Plotly is imported inside the functions (``import microcue`` stays light). Figures are returned as HTML
fragments without the Plotly library; :func:`plotly_js` gives the library once, to inline in the page head.
Arrays are passed to Plotly as plain lists, so the page holds JSON arrays (not base64 blobs) and a test can
count the points of each trace from the graph div's ``data``.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence

from microcue.report.content import KIND_LABELS, fmt_time, utterance_at

EMOTION_COLORS = {
    "happiness": "#2a9d8f",
    "surprise": "#e9c46a",
    "sadness": "#577590",
    "fear": "#8e7dbe",
    "anger": "#c8553d",
    "disgust": "#7a8b3c",
    "contempt": "#b5838d",
    "unclear": "#9aa0a6",
}
SIGNAL_STYLE = {  # kind -> (label, marker symbol)
    "nod": ("nod", "triangle-down"),
    "head_shake": ("head shake", "bowtie"),
    "brow_flash": ("eyebrow flash", "triangle-up"),
    "gaze_aversion": ("looked away", "x"),
}
VALENCE_COLOR = "#3d5a80"
ENGAGEMENT_COLOR = "#2a9d8f"
CUE_COLOR = "#e76f51"
MAX_POINTS = 3000
"""Longest line drawn per participant; longer recordings are averaged into equal time bins."""
GAP_S = 1.0
"""A break in the face measurements longer than this breaks the line (gaps are real, not filled in)."""
TALK_HOLD_S = 0.25
"""A row counts as talking when the mouth moves in a speech rhythm within this many seconds of it (the pauses
between words keep the lips parted)."""


def plotly_js() -> str:
    """The Plotly.js library source, to inline once in the page (no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _wrap(text: str, width: int = 64) -> str:
    return "<br>".join(textwrap.wrap(html.escape(text), width)) if text else ""


def _said(utterances: Sequence, t: float) -> str:
    u = utterance_at(utterances, t, slack_s=0.0) if utterances else None
    if u is None:
        return ""
    who = f"<b>{html.escape(u.speaker)}:</b> " if u.speaker else ""
    return "<br>" + who + _wrap(u.text)


def _ticks(t0: float, t1: float) -> tuple[list[float], list[str]]:
    span = max(t1 - t0, 1.0)
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600) if span / s <= 10)
    start = math.floor(t0 / step) * step
    vals = [start + i * step for i in range(int((t1 - start) / step) + 2)]
    return vals, [fmt_time(v) for v in vals]


def talking(rows):
    """Boolean per row: the face's mouth moves in a speech rhythm (``mouth_activity`` at or above the middle of the
    speech band, ``emotions.SPEECH_BAND``, which the event spotter and the emotion read-out use too), held
    ``TALK_HOLD_S`` either side. Rows without ``mouth_activity`` are not talking."""
    import numpy as np

    from microcue.signals.emotions import speech_degree

    t = rows["time_s"].to_numpy(float)
    if "mouth_activity" not in rows:
        return np.zeros(len(t), bool)
    on = speech_degree(rows["mouth_activity"].to_numpy(float)) >= 0.5
    on_t = t[on]
    if not len(on_t):
        return on
    # nearest talking row in time, on either side (rows are in time order)
    j = np.searchsorted(on_t, t)
    after = np.abs(on_t[np.minimum(j, len(on_t) - 1)] - t)
    before = np.abs(t - on_t[np.maximum(j - 1, 0)])
    return np.minimum(after, before) <= TALK_HOLD_S


def _series(rows, t0: float, t1: float) -> tuple[list, list, list, list]:
    """(times, valence, engagement, talking) as lists, binned to at most MAX_POINTS, with None at gaps (a bin
    talks when most of its rows do)."""
    import numpy as np

    rows = rows.sort_values("time_s", kind="stable")
    t = rows["time_s"].to_numpy(float)
    v = rows["valence"].to_numpy(float) if "valence" in rows else np.full(len(t), np.nan)
    e = rows["engagement"].to_numpy(float) if "engagement" in rows else np.full(len(t), np.nan)
    k = talking(rows).astype(float)
    if len(t) > MAX_POINTS:
        width = (t1 - t0) / MAX_POINTS
        b = np.minimum(((t - t0) / width).astype(int), MAX_POINTS - 1)
        keep = np.unique(b)
        cnt = np.bincount(b, minlength=MAX_POINTS)[keep]
        t = np.bincount(b, t, minlength=MAX_POINTS)[keep] / cnt
        v = np.bincount(b, np.nan_to_num(v), minlength=MAX_POINTS)[keep] / cnt
        e = np.bincount(b, np.nan_to_num(e), minlength=MAX_POINTS)[keep] / cnt
        k = np.bincount(b, k, minlength=MAX_POINTS)[keep] / cnt
    ts, vs, es, ks = [], [], [], []
    for i in range(len(t)):
        if i and t[i] - t[i - 1] > GAP_S:
            ts.append(None), vs.append(None), es.append(None), ks.append(False)
        ts.append(round(float(t[i]), 3))
        vs.append(None if math.isnan(v[i]) else round(float(v[i]), 3))
        es.append(None if math.isnan(e[i]) else round(float(e[i]), 3))
        ks.append(bool(k[i] >= 0.5))
    return ts, vs, es, ks


def _split_valence(ts: list, vs: list, ks: list) -> tuple[list, list]:
    """The valence line in two: while quiet (solid) and while talking (dotted); each talking stretch reaches one
    point into its quiet neighbours, so the two join into one line."""
    quiet = [v if not k else None for v, k in zip(vs, ks)]
    n = len(vs)
    talk = [v if (ks[i] or (i and ks[i - 1] and ts[i] is not None) or (i + 1 < n and ks[i + 1] and ts[i] is not None))
            else None for i, v in enumerate(vs)]
    return quiet, talk


def _value_at(ts: list, vs: list, t: float) -> float:
    best, bd = 0.0, math.inf
    for x, y in zip(ts, vs):
        if x is not None and y is not None and abs(x - t) < bd:
            best, bd = y, abs(x - t)
    return best


def participant_figure(pid: str, name: str, rows, events: Iterable, cues: Iterable, utterances: Sequence,
                       *, t_range: tuple[float, float]):
    """A two-row Plotly figure for one participant (valence on top, engagement below; valence dotted while the
    person talks, where the per-frame emotions are less reliable: docs/signals.md, p_* columns)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    t0, t1 = t_range
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.62, 0.38])
    ts, vs, es, ks = _series(rows, t0, t1) if rows is not None and len(rows) else ([], [], [], [])

    def line_hover(x, v, e, k) -> str:
        if x is None:
            return ""
        vals = " · ".join(s for s in (f"valence {v:+.2f}" if v is not None else "",
                                      f"engagement {e:.2f}" if e is not None else "") if s)
        note = ("<br><i>talking: the mouth's movements are left out, the rest of the face reads less reliably</i>"
                if k else "")
        return f"<b>{fmt_time(x)}</b> {vals}" + note + _said(utterances, x)

    hover = [line_hover(x, v, e, k) for x, v, e, k in zip(ts, vs, es, ks)]
    quiet, talk = _split_valence(ts, vs, ks)
    fig.add_trace(go.Scatter(x=ts, y=quiet, mode="lines", name="Valence", line=dict(color=VALENCE_COLOR, width=2),
                             text=hover, hovertemplate="%{text}<extra></extra>", connectgaps=False,
                             meta="signals"), row=1, col=1)
    if any(v is not None for v in talk):
        fig.add_trace(go.Scatter(x=ts, y=talk, mode="lines", name="Valence while talking (less reliable)",
                                 line=dict(color=VALENCE_COLOR, width=1.5, dash="dot"), opacity=0.6, text=hover,
                                 hovertemplate="%{text}<extra></extra>", connectgaps=False, meta="signals-talking"),
                      row=1, col=1)
    fig.add_trace(go.Scatter(x=ts, y=es, mode="lines", name="Engagement", text=hover,
                             line=dict(color=ENGAGEMENT_COLOR, width=2), fill="tozeroy",
                             fillcolor="rgba(42,157,143,0.10)", hovertemplate="%{text}<extra></extra>",
                             connectgaps=False, meta="signals"), row=2, col=1)

    groups: dict[tuple[str, str, str], list] = {}
    for ev in events:
        if ev.emotion is not None:
            key = (ev.emotion, EMOTION_COLORS.get(ev.emotion, "#9aa0a6"), "circle")
        else:
            label, sym = SIGNAL_STYLE.get(ev.kind, (ev.kind, "diamond"))
            key = (label, "#6c757d", sym)
        groups.setdefault(key, []).append(ev)
    for (label, color, symbol), evs in sorted(groups.items()):
        xs = [round(ev.apex_s, 3) for ev in evs]
        ys = [_value_at(ts, vs, ev.apex_s) for ev in evs]
        txt = []
        for ev in evs:
            what = (f"{'brief ' if ev.kind == 'micro' else ''}{ev.emotion} ({ev.kind}, {ev.duration_s:.2f} s)"
                    if ev.emotion is not None else f"{label} ({ev.duration_s:.1f} s)")
            txt.append(f"<b>{fmt_time(ev.apex_s)}</b> {html.escape(what)} · confidence {ev.confidence:.2f}"
                       + _said(utterances, ev.apex_s))
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers", name=label, meta="events", text=txt,
            hovertemplate="%{text}<extra></extra>",
            marker=dict(color=color, symbol=symbol, size=[8 + 8 * min(ev.confidence, 1) for ev in evs],
                        line=dict(color="white", width=1)),
        ), row=1, col=1)

    cues = list(cues)
    if cues:
        fig.add_trace(go.Scatter(
            x=[round(c.time_s, 3) for c in cues], y=[1.18] * len(cues), mode="markers", name="cue",
            meta="cues", marker=dict(color=CUE_COLOR, symbol="diamond", size=12),
            text=[f"<b>{fmt_time(c.time_s)} {html.escape(KIND_LABELS.get(c.kind, c.kind))}</b><br>"
                  f"{_wrap(c.observation)}<br><i>{_wrap(c.suggestion)}</i> · confidence {c.confidence:.2f}"
                  for c in cues],
            hovertemplate="%{text}<extra></extra>",
        ), row=1, col=1)

    tickvals, ticktext = _ticks(t0, t1)
    fig.update_xaxes(range=[t0, t1], tickvals=tickvals, ticktext=ticktext, showgrid=True, gridcolor="#eef0f2",
                     zeroline=False)
    fig.update_yaxes(title_text="valence", range=[-1.1, 1.3], tickvals=[-1, 0, 1],
                     ticktext=["unpleasant", "neutral", "pleasant"], zeroline=True, zerolinecolor="#cfd4da",
                     gridcolor="#f3f4f6", row=1, col=1)
    fig.update_yaxes(title_text="engagement", range=[0, 1.05], tickvals=[0, 0.5, 1], gridcolor="#f3f4f6",
                     row=2, col=1)
    fig.update_layout(
        height=330, margin=dict(l=90, r=20, t=36, b=30), plot_bgcolor="white", paper_bgcolor="white",
        font=dict(family="-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", size=12,
                  color="#333"),
        hovermode="closest", hoverlabel=dict(bgcolor="white", font_size=13, align="left"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=11), tracegroupgap=0),
    )
    return fig


def timeline_fragments(participants: Sequence[tuple[str, str]], signals, events: Iterable, cues: Iterable,
                       utterances: Sequence, summary: Mapping) -> list[dict]:
    """``[{id, name, html, n_events, has_face}]``, one per participant, each figure in a div
    ``id="timeline-<pid>"`` (without the Plotly library)."""
    events, cues = list(events), list(cues)
    times = [e.offset_s for e in events] + [c.time_s for c in cues]
    if signals is not None and len(signals):
        times += [float(signals["time_s"].min()), float(signals["time_s"].max())]
    t0 = float(summary.get("first_pts_s") or 0.0)
    t1 = float(summary.get("container_duration_s") or summary.get("last_pts_s") or (max(times) if times else 1.0))
    t1 = max([t1, t0 + 1.0] + times)
    out = []
    for pid, name in participants:
        rows = signals[signals["participant"] == pid] if signals is not None and len(signals) else None
        evs = [e for e in events if e.participant == pid]
        cs = [c for c in cues if c.participant == pid]
        fig = participant_figure(pid, name, rows, evs, cs, utterances, t_range=(t0, t1))
        frag = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"timeline-{pid}",
                           config={"displaylogo": False, "responsive": True,
                                   "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
        out.append(dict(id=pid, name=name, html=frag, n_events=len(evs),
                        has_face=rows is not None and len(rows) > 0))
    return out
