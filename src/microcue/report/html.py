"""report.html: one self-contained page (Plotly.js inlined, no network needed) and the :func:`render_report` entry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from microcue.report.content import ReportContent, build_content, display_name, is_private


def _missing(extra: str, pkg: str) -> None:
    from microcue.errors import MicrocueError

    raise MicrocueError(f"the report needs {pkg}; install it with: pip install {pkg}")


def package_version() -> str:
    """microcue's installed version, for the footer ("" when running from a bare source tree)."""
    try:
        from importlib.metadata import version

        return version("microcue")
    except Exception:  # pragma: no cover
        return ""


def render_html(c: ReportContent, *, timelines: list[dict], hidden_timelines: bool = False) -> str:
    try:
        import jinja2
    except ImportError:  # pragma: no cover - depends on the environment
        _missing("report", "jinja2")
    from microcue.report.timeline import plotly_js

    env = jinja2.Environment(loader=jinja2.PackageLoader("microcue.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True)
    ver = package_version()
    js = plotly_js().replace("</script", "<\\/script")
    return env.get_template("report.html.j2").render(c=c, timelines=timelines, hidden_timelines=hidden_timelines,
                                                     plotly_js=js, version=ver)


def render_report(out_dir: str | Path, *, participants: Iterable, signals, events: Iterable, cues: Iterable,
                  utterances: Sequence = (), summary: Mapping, self_coaching: bool = False,
                  thumbnails: Mapping[str, bytes | str | Path] | None = None) -> dict[str, Path]:
    """Write ``out_dir/report.html`` and ``out_dir/report.md``; return ``{"html": path, "md": path}``.

    Args:
        participants: ``Participant`` objects (or participants.json dicts) with ``id``, ``name``, ``role``.
        signals: the signal rows (pandas DataFrame, docs/signals.md) or None.
        events: ``ExpressionEvent`` objects.
        cues: ``Cue`` objects. Private ones (kind in ``SELF_COACHING_KINDS`` or ``private=True``) appear only with
            ``self_coaching=True``, in their own section; otherwise nowhere in either file.
        utterances: transcript ``Utterance`` objects, if any (shown on hover and beside key moments).
        summary: the summary.json dict (source, duration).
        self_coaching: include the seller's own patterns, and the seller's own timeline.
        thumbnails: event id -> PNG/JPEG bytes or file; embedded beside key moments. None = no face images.
    """
    try:
        import plotly  # noqa: F401
    except ImportError:  # pragma: no cover
        _missing("report", "plotly")
    from microcue.report.markdown import render_markdown
    from microcue.report.timeline import timeline_fragments

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    participants = list(participants)
    cues = list(cues)
    events = list(events)
    content = build_content(participants=participants, cues=cues, utterances=utterances, summary=summary,
                            self_coaching=self_coaching, thumbnails=thumbnails)
    shown_cues = cues if self_coaching else [c for c in cues if not is_private(c)]
    people = []
    hidden = False
    for p in participants:
        pid, _, role = display_name(p)
        if role == "seller" and not self_coaching:
            hidden = True  # the seller's own face readings are self-coaching material
            continue
        people.append((pid, content.names[pid]))
    timelines = timeline_fragments(people, signals, events, shown_cues, sorted(utterances, key=lambda u: u.start_s),
                                   summary)
    html_path, md_path = out_dir / "report.html", out_dir / "report.md"
    html_path.write_text(render_html(content, timelines=timelines, hidden_timelines=hidden), encoding="utf-8")
    md_path.write_text(render_markdown(content), encoding="utf-8")
    return {"html": html_path, "md": md_path}
