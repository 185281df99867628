"""Fixtures of the zoo_bridge tests: rendered frames, and the real exports in
tests/data/zooniverse/."""

from __future__ import annotations

from pathlib import Path

import pytest
from jet_store import Store
from zoo_bridge.workflows import WorkflowIndex, read_workflows
from zoo_data import Rendered, make_rendered


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Five 304 Å frames, each CRPIX jittered by a different sub-pixel, rendered framed 480x360."""
    return make_rendered(tmp_path_factory.mktemp("zoo-data"))


@pytest.fixture(scope="session")
def zoo_data(data_dir: Path) -> Path:
    """The folder of real Zooniverse exports."""
    return data_dir / "zooniverse"


@pytest.fixture(scope="session")
def workflows_csv(zoo_data: Path) -> Path:
    return zoo_data / "solar-jet-hunter-workflows.csv"


@pytest.fixture(scope="session")
def workflow_index(workflows_csv: Path) -> WorkflowIndex:
    """Every version of the real workflow export."""
    return WorkflowIndex(read_workflows(workflows_csv))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.db")
