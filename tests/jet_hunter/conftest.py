"""Fixtures of the jet_hunter tests: a store with aggregated jets and its HTML report."""

from __future__ import annotations

import pytest
import report_data
from report_data import BuiltReport


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """Two synthetic jets classified by simulated volunteers, aggregated, then reported.

    Built once per session (not once per xdist worker): the tests only read it.
    """
    return report_data.built_once(report_data.shared_root(tmp_path_factory.getbasetemp()))
