"""A report across many kept calls, for coaches and enablement teams: ``microcue calls report``.

It reads :meth:`microcue.store.Store.call_overviews` (public cues and per-call means only: a seller's
self-coaching is private to the seller and never appears here, whatever the store holds) and says, per topic,
how buyers reacted across calls; per named seller, how their buyers looked and what came up; and per call, one
line. Every number is a count of observations or a mean of the face signals, with the calls it came from.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from microcue.report.content import (
    BUYER_ROLES,
    INTEREST_KINDS,
    NEGATIVE_REACTIONS,
    POSITIVE_REACTIONS,
    WORRY_KINDS,
    fmt_time,
    group_cues,
    topic_polarity,
)
from microcue.store.rows import cue_from_dict

MAX_EXAMPLES = 6
"""Calls listed beside a topic (the most recent ones)."""


@dataclass
class CallLine:
    id: int
    date: str
    source: str
    duration: str
    sellers: str
    buyers: str
    buyer_engagement: float | None
    buyer_valence: float | None
    interest: int
    """The buyers' moments (cues merged as in a call's report) that read as interest: a genuine smile, lighting
    up, an agreeing nod, a positive reaction to a topic."""
    worry: int
    """...and as worry: doubt, words and face differing, a placating nod, pulling away, a negative reaction."""
    cycles: int
    topics: str
    """Topics that drew a reaction in this call, negative ones first (``pricing −2, timeline +1``)."""


@dataclass
class TopicLine:
    topic: str
    negative: int
    positive: int
    calls: int
    examples: list[str] = field(default_factory=list)
    """``call 12 at 4:31`` for the latest reactions."""
    suggestion: str = ""


@dataclass
class SellerLine:
    name: str
    calls: int
    buyer_engagement: float | None
    buyer_valence: float | None
    interest_per_call: float
    worry_per_call: float
    cycles_per_call: float
    first: str
    last: str


@dataclass
class AcrossContent:
    n_calls: int
    first: str
    last: str
    total: str
    """The recordings' total length, ``3 h 12 min`` or ``19 min``."""
    calls: list[CallLine]
    topics: list[TopicLine]
    sellers: list[SellerLine]
    trend: list[dict]
    """Per call: ``date``, ``id``, ``seller``, ``buyer_engagement``, ``buyer_valence`` (for the chart)."""


def _mean(xs: Iterable[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def _weighted(people: list[dict], key: str) -> float | None:
    pairs = [(p[key], p["seconds"]) for p in people if p.get(key) is not None and p.get("seconds")]
    n = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / n if n else None


def _polarity(moment: list) -> str | None:
    """``negative`` when any reading of a moment is a worry (doubt, words vs face, a negative reaction to a
    topic, ...), else ``positive`` when one is an interest, else None (a shift, a surprise: no direction)."""
    pols = set()
    for c in moment:
        if c.kind == "topic_reaction":
            pols.add(topic_polarity(c))
        elif c.kind in WORRY_KINDS or c.kind in NEGATIVE_REACTIONS:
            pols.add("negative")
        elif c.kind in INTEREST_KINDS or c.kind in POSITIVE_REACTIONS:
            pols.add("positive")
    return "negative" if "negative" in pols else "positive" if "positive" in pols else None


def _seller_name(people: list[dict]) -> str:
    named = [p["name"] for p in people if p["role"] == "seller" and p.get("named")]
    if named:
        return ", ".join(named)
    return "(unnamed seller)" if any(p["role"] == "seller" for p in people) else "(no seller role given)"


def build_across(overviews: list[Mapping]) -> AcrossContent:
    """What the report across calls says, from :meth:`Store.call_overviews` (oldest call first)."""
    calls, trend = [], []
    topic_cues: dict[str, list[tuple[Mapping, object, str]]] = defaultdict(list)
    by_seller: dict[str, list[dict]] = defaultdict(list)
    for ov in overviews:
        people = list(ov["participants"])
        buyers = [p for p in people if p["role"] in BUYER_ROLES]
        cues = [cue_from_dict(c) for c in ov["cues"]]
        # the buyer's moments, merged as in a call's own report (one frown read three ways counts once)
        moments = group_cues([c for c in cues if c.role in BUYER_ROLES and c.kind != "disconnect_cycle"])
        polarity = [_polarity(g) for g in moments]
        interest, worry = polarity.count("positive"), polarity.count("negative")
        cycles = sum(c.kind == "disconnect_cycle" for c in cues)
        reactions: Counter = Counter()
        for g, pol in zip(moments, polarity):
            topic = next((c.evidence.topic for c in g if c.evidence.topic), None)
            if topic and pol:
                reactions[(topic, pol)] += 1
                topic_cues[topic].append((ov, g[0], pol))
        seller = _seller_name(people)
        eng, val = _weighted(buyers, "mean_engagement"), _weighted(buyers, "mean_valence")
        line = CallLine(
            id=ov["id"], date=ov["date"], source=ov["source_name"], duration=fmt_time(ov.get("duration_s")),
            sellers=seller, buyers=", ".join(p["name"] for p in buyers) or "–", buyer_engagement=eng,
            buyer_valence=val, interest=interest, worry=worry, cycles=cycles,
            topics=", ".join(f"{t} {'−' if pol == 'negative' else '+'}{n}" for (t, pol), n in
                             sorted(reactions.items(), key=lambda kv: (kv[0][1] != "negative", -kv[1], kv[0][0]))))
        calls.append(line)
        by_seller[seller].append(asdict(line))
        trend.append(dict(date=ov["created_at"], id=ov["id"], seller=seller, buyer_engagement=eng,
                          buyer_valence=val))

    topics = []
    for topic, items in topic_cues.items():
        neg = [(ov, c) for ov, c, pol in items if pol == "negative"]
        latest = sorted(items, key=lambda it: (it[0]["created_at"], it[1].time_s), reverse=True)[:MAX_EXAMPLES]
        sugg = max(neg or [(ov, c) for ov, c, _ in items], key=lambda oc: oc[1].confidence)[1].suggestion
        topics.append(TopicLine(topic=topic, negative=len(neg), positive=len(items) - len(neg),
                                calls=len({ov["id"] for ov, _, _ in items}),
                                examples=[f"call {ov['id']} at {fmt_time(c.time_s)}" for ov, c, _ in latest],
                                suggestion=sugg))
    topics.sort(key=lambda t: (-t.negative, -t.calls, t.topic))

    sellers = []
    for name, lines in by_seller.items():
        n = len(lines)
        sellers.append(SellerLine(
            name=name, calls=n, buyer_engagement=_mean(x["buyer_engagement"] for x in lines),
            buyer_valence=_mean(x["buyer_valence"] for x in lines),
            interest_per_call=sum(x["interest"] for x in lines) / n, worry_per_call=sum(x["worry"] for x in lines) / n,
            cycles_per_call=sum(x["cycles"] for x in lines) / n, first=lines[0]["date"], last=lines[-1]["date"]))
    sellers.sort(key=lambda s: (-s.calls, s.name))
    minutes = round(sum(ov.get("duration_s") or 0.0 for ov in overviews) / 60.0)
    total = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return AcrossContent(n_calls=len(calls), first=calls[0].date if calls else "–",
                         last=calls[-1].date if calls else "–", total=total, calls=calls[::-1], topics=topics,
                         sellers=sellers, trend=trend)


def _trend_html(c: AcrossContent) -> str:
    """Buyer engagement per call over time, one line per seller (Plotly, the library inlined by the page)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    per: dict[str, list[dict]] = defaultdict(list)
    for t in c.trend:
        if t["buyer_engagement"] is not None:
            per[t["seller"]].append(t)
    for seller, pts in per.items():
        fig.add_trace(go.Scatter(
            x=[p["date"] for p in pts], y=[p["buyer_engagement"] for p in pts], mode="lines+markers", name=seller,
            customdata=[[p["id"], p["buyer_valence"] if p["buyer_valence"] is not None else float("nan")]
                        for p in pts],
            hovertemplate="call %{customdata[0]}<br>buyer engagement %{y:.2f}<br>valence %{customdata[1]:+.2f}"
                          "<extra>%{fullData.name}</extra>"))
    fig.update_layout(height=300, margin=dict(l=50, r=10, t=10, b=40), yaxis=dict(range=[0, 1], title="engagement"),
                      legend=dict(orientation="h", y=1.12), plot_bgcolor="#fff", paper_bgcolor="#fff")
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id="trend",
                       config={"displaylogo": False, "responsive": True})


def render_across(out: str | Path, overviews: list[Mapping], *, title: str = "Calls across time") -> dict[str, Path]:
    """Write ``out`` (an .html file, or a folder that gets calls-report.html) and a .csv of the call lines beside
    it; return ``{"html": path, "csv": path}``."""
    import jinja2

    from microcue.report.html import package_version
    from microcue.report.timeline import plotly_js

    out = Path(out)
    html_path = out if out.suffix.lower() in (".html", ".htm") else out / "calls-report.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    content = build_across(list(overviews))
    env = jinja2.Environment(loader=jinja2.PackageLoader("microcue.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True)
    html = env.get_template("across.html.j2").render(
        c=content, title=title, trend=_trend_html(content) if content.trend else "",
        plotly_js=plotly_js().replace("</script", "<\\/script"), version=package_version())
    html_path.write_text(html, encoding="utf-8")
    csv_path = html_path.with_suffix(".csv")
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CallLine.__dataclass_fields__))
        w.writeheader()
        for line in content.calls:
            w.writerow({k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(line).items()})
    return {"html": html_path, "csv": csv_path}
