"""Fixtures of the jet_aggregate tests: simulated crowds marking synthetic jets."""

from __future__ import annotations

from typing import Any

import aggregate_data
import pytest
from jet_sandbox.volunteers import SimulatedEvent


@pytest.fixture(scope="session", params=[0, 1])
def two_jet_event(request: Any) -> SimulatedEvent:
    """Two jets (T1 and T5) marked by 16 simulated volunteers; two crowd seeds."""
    return aggregate_data.two_jet_event(int(request.param))


@pytest.fixture(scope="session")
def empty_event() -> SimulatedEvent:
    """The same crowd on an event with nothing to see."""
    return aggregate_data.empty_event()
