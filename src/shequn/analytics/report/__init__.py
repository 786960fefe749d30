"""The HTML report: one offline file rendered from a `shequn.analysis/1` document.
See docs/report.md."""

from .page import render_report

__all__ = ["render_report"]
