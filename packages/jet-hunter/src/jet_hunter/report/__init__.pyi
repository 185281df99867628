"""The public names of jet_hunter.report (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from .build import MARKER, TABLE_COLUMNS, ReportError, ReportSummary, build_report
from .model import ReportJet, load_report_jets

__all__ = [
    "MARKER",
    "TABLE_COLUMNS",
    "ReportError",
    "ReportJet",
    "ReportSummary",
    "build_report",
    "load_report_jets",
]
