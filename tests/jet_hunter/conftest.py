"""Fixtures of the jet_hunter tests: a store with aggregated jets and its HTML report."""

from __future__ import annotations

import pytest
import report_data
from jet_hunter.report import build_report
from jet_store import Store
from report_data import BuiltReport


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """Two synthetic jets classified by simulated volunteers, aggregated, then reported."""
    root = tmp_path_factory.mktemp("report")
    db, data = report_data.build_store(root)
    with Store(db) as store:
        summary = build_report(store, root / "report", data_dir=data, progress=False)
    return BuiltReport(db, data, root / "report", summary)
