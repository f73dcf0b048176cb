"""report.md: the key moments and the follow-up plan in Markdown (for notes, a CRM or a chat)."""

from __future__ import annotations

from microcue.report.content import ReportContent


def _md(text: str | None) -> str:
    """One line of Markdown-safe text (no line breaks, no table pipes, no raw HTML)."""
    if not text:
        return ""
    t = " ".join(str(text).split())
    for ch in ("\\", "|", "<", ">", "*", "_", "`", "["):
        t = t.replace(ch, "\\" + ch)
    return t


def render_markdown(c: ReportContent) -> str:
    out: list[str] = []
    w = out.append
    head = " · ".join(x for x in (c.source, c.duration, ", ".join(c.names.values()), c.missed_note) if x)
    w(f"# {c.title}\n")
    w(f"{_md(head)}\n")
    scope = "faces and the transcript" if c.has_transcript else "faces only (no transcript)"
    w(f"> These are observations with a confidence, read from {scope}: not verdicts about a person and not lie "
      "detection. A cue says what a face did and when, not why. Confidence: high ≥ 0.70, medium 0.40–0.69, "
      "low < 0.40.\n")

    w("## Key moments\n")
    if not c.key_moments:
        w("No key moments: no cue was found for the buyer in this call.\n")
    for m in c.key_moments:
        topic = f" · {_md(m.topic)}" if m.topic else ""
        w(f"### {m.time} — {_md(m.title)} ({_md(m.who)}{topic})\n")
        w(f"- **Seen:** {_md(m.seen)}")
        if m.said:
            by = f"{_md(m.said_by)}: " if m.said_by else ""
            w(f"- **Said:** {by}“{_md(m.said)}”")
        if m.also:
            w(f"- **Also read as:** {_md(', '.join(m.also))}")
        if m.suggestion:
            w(f"- **Try:** {_md(m.suggestion)}")
        w(f"- **Confidence:** {m.confidence_label} ({m.confidence:.2f})\n")

    w("## Follow-up plan\n")
    w("### What interested them\n")
    w("\n".join(f"- **{m.time}** {_md(m.seen)}" for m in c.interested) or "- Nothing stood out.")
    w("\n### What worried them\n")
    w("\n".join(f"- **{m.time}** {_md(m.seen)}" for m in c.worried) or "- Nothing stood out.")
    w("\n### Address next time\n")
    w("\n".join(f"- **{_md(t.topic)}** ({', '.join(t.times)}): {_md(t.suggestion)}" for t in c.address_next)
      or "- No topic drew a negative reaction.")
    w("")

    if c.self_coaching:
        w("## Self-coaching: your own patterns (private)\n")
        w("> Private to you: kept only on this machine.\n")
        if not c.coaching:
            w("No patterns of your own stood out in this call.\n")
        for label, value in c.coaching_metrics:
            w(f"- {_md(label)}: **{_md(value)}**")
        for title, n, times in c.coaching_summary:
            w(f"- **{_md(title)}** × {n}: {times}")
        if c.coaching:
            w("")
        for m in c.coaching:
            sug = f" — try: {_md(m.suggestion)}" if m.suggestion else ""
            w(f"- **{m.time}** {_md(m.seen)}{sug} ({m.confidence:.2f})")
        w("")

    w("## All observations\n")
    w("| time | who | cue | observation | confidence |")
    w("|---|---|---|---|---|")
    for m in c.cues:
        w(f"| {m.time} | {_md(m.who)} | {_md(m.title)} | {_md(m.seen)} | {m.confidence:.2f} |")
    return "\n".join(out).rstrip() + "\n"
