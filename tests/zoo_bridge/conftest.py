"""Fixtures of the zoo_bridge tests."""

from __future__ import annotations

import pytest
from zoo_data import Rendered, make_rendered


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Five 304 Å frames, each CRPIX jittered by a different sub-pixel, rendered framed 480x360."""
    return make_rendered(tmp_path_factory.mktemp("zoo-data"))
