"""Grouping frames into subjects: windows, tails, short events, stable keys."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from zoo_bridge.errors import GroupingError
from zoo_bridge.grouping import GroupingOptions, subject_key, windows


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, GroupingOptions]:
    size = draw(st.integers(1, 30))
    overlap = draw(st.integers(0, size - 1))
    n = draw(st.integers(1, 100))
    return n, GroupingOptions(frames_per_subject=size, overlap=overlap)


@given(cases())
def test_windows_cover_every_frame_with_the_overlap(case: tuple[int, GroupingOptions]) -> None:
    n, options = case
    size, overlap = options.frames_per_subject, options.overlap
    got = windows(n, options)
    assert got, "an event with frames makes at least one subject"
    covered = set().union(*(set(w) for w in got))
    assert covered == set(range(n))
    assert all(w.step == 1 and 0 <= w.start < w.stop <= n for w in got)
    if n <= size:
        assert got == [range(0, n)]
        return
    assert all(len(w) == size for w in got), "no short subject unless the event is short"
    for k, (a, b) in enumerate(itertools.pairwise(got)):
        shared = len(set(a) & set(b))
        if k == len(got) - 2 and b == range(n - size, n) and shared != overlap:
            assert shared > overlap  # the replaced tail shares more
        else:
            assert shared == overlap
    assert got[-1].stop == n
    assert len(set(map(tuple, got))) == len(got), "no subject twice"


def test_the_defaults_are_solar_jet_hunters() -> None:
    options = GroupingOptions()
    assert (options.frames_per_subject, options.overlap) == (15, 2)
    assert windows(15, options) == [range(0, 15)]
    assert windows(1, options) == [range(0, 1)]
    assert windows(28, options) == [range(0, 15), range(13, 28)]
    assert windows(29, options) == [range(0, 15), range(13, 28), range(14, 29)]


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (5, 5), (5, -1)])
def test_bad_options_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(GroupingError):
        GroupingOptions(frames_per_subject=size, overlap=overlap)


def test_keys_depend_on_frames_and_product_only() -> None:
    a = subject_key("ivo://e1", "framed/304", ["u1", "u2"])
    assert a == subject_key("ivo://e1", "framed/304", ["u1", "u2"])
    assert a != subject_key("ivo://e1", "framed/304", ["u2", "u1"])
    assert a != subject_key("ivo://e1", "bare/304", ["u1", "u2"])
    assert a != subject_key("ivo://e2", "framed/304", ["u1", "u2"])
