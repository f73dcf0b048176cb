"""The post-call report: report.html (one self-contained file, Jinja2 + Plotly inlined) and report.md.

Jinja2 and Plotly are imported only when :func:`render_report` runs (``import microcue`` stays light).
"""

from __future__ import annotations

from microcue.report.content import build_content, fmt_time, select_key_moments
from microcue.report.html import render_report

__all__ = ["build_content", "fmt_time", "render_report", "select_key_moments"]
