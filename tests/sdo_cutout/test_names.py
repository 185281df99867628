"""Local names for remote files: nothing a listing says can write outside the data folder."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sdo_cutout.download_errors import UnsafeName, UnsafePath
from sdo_cutout.names import (
    MAX_NAME,
    NO_JOB_FOLDER,
    check_relative,
    job_folder,
    resolve_inside,
    safe_name,
    safe_relative_path,
)

SAFE = re.compile(r"^[A-Za-z0-9_+~][A-Za-z0-9._+~-]*$")
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
RESERVED |= {f"COM{i}" for i in range(10)} | {f"LPT{i}" for i in range(10)}

NASTY = [
    "../../x.fts",
    "/etc/passwd",
    "/abs/path/to/y.fits",
    "C:\\Windows\\System32\\x.fts",
    "C:x.fts",
    "\\\\server\\share\\x.fts",
    "//server/share/x.fts",
    "..%2F..%2Fx.fts",
    "%2e%2e%2f%2e%2e%2fx.fts",
    "..%5c..%5cx.fts",
    "x.fts%00.png",
    "x.fts\x00.png",
    "a\nb.fts",
    "a\rb\tc.fts",
    "CON",
    "con.fts",
    "LPT1.fits",
    "nul",
    ".hidden.fts",
    "-rf.fts",
    "x.fts.part",
    "x.fts.part.json",
    "x.fts.tmp",
    "\uff41\uff0f\uff42.fts",  # fullwidth a/b: NFKC makes a slash of it
    "\uff0e\uff0e",
    "x" * 500 + ".fts",
    "http://host/a/b.fts?c=../../d#../e",
    "http://host/a/%2e%2e/%2e%2e/f.fts",
    "ssw_cutout_20100620_111444_AIA_304_.fts",
    "trailing. ",
    "émission_304.fits",
]


def _is_safe(name: str) -> bool:
    return (
        bool(SAFE.match(name))
        and len(name) <= MAX_NAME
        and name.split(".", 1)[0].upper() not in RESERVED
        and not name.lower().endswith((".part", ".part.json", ".tmp"))
        and PurePosixPath(name).name == name
        and name not in (".", "..")
    )


@pytest.mark.parametrize("raw", NASTY)
def test_nasty_names_become_one_safe_component_or_are_refused(raw: str, tmp_path: Path) -> None:
    try:
        name = safe_name(raw)
    except UnsafeName:
        return
    assert _is_safe(name), name
    path = resolve_inside(tmp_path, safe_relative_path(raw, job_key="jsoc:1/../.."))
    assert path.is_relative_to(tmp_path.resolve())
    assert path.parent.parent.parent == tmp_path.resolve()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x.fts", "x.fts"),
        ("/etc/passwd", "passwd"),
        ("C:\\Windows\\x.fts", "x.fts"),
        ("\\\\server\\share\\x.fts", "x.fts"),
        ("..%2F..%2Fx.fts", "x.fts"),
        ("http://host/a/b.fts?c=../../d#../e", "b.fts"),
        ("ssw_cutout_20100620_111444_AIA_304_.fts", "ssw_cutout_20100620_111444_AIA_304_.fts"),
    ],
)
def test_plain_names_survive_unchanged(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", ".", "..", "../..", "a/", "\uff0e\uff0e", "....", "%2e%2e", "\x00", "///"]
)
def test_names_with_nothing_left_are_refused(raw: str) -> None:
    with pytest.raises(UnsafeName):
        safe_name(raw)


def test_changed_names_carry_a_hash_and_keep_their_extension() -> None:
    assert re.fullmatch(r"_con~[0-9a-f]{8}\.fts", safe_name("con.fts"))
    assert re.fullmatch(r"x_y~[0-9a-f]{8}\.fts\.gz", safe_name("x y.fts.gz"))
    long = safe_name("a" * 300 + ".fits")
    assert len(long) == MAX_NAME and long.endswith(".fits") and "~" in long
    # two names that differ only in the replaced characters stay apart
    assert safe_name("a b.fts") != safe_name("a:b.fts") != safe_name("a_b.fts")


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
path_like = st.lists(
    st.sampled_from(["..", ".", "", "a", "x.fts", "C:", "%2e%2e", "%2F", "\\", "/", "CON", "\x00", "~"])
    | text,
    max_size=6,
).map(lambda parts: "/".join(parts))


@settings(max_examples=400, deadline=None)
@given(st.one_of(text, path_like))
def test_any_text_gives_a_safe_name_or_a_clear_refusal(raw: str) -> None:
    try:
        name = safe_name(raw)
    except UnsafeName:
        return
    assert _is_safe(name), (raw, name)


@settings(max_examples=300, deadline=None)
@given(st.one_of(text, path_like), st.one_of(st.none(), text))
def test_paths_always_resolve_inside_the_data_folder(raw: str, job: str | None) -> None:
    root = Path(os.environ.get("TMPDIR", "/tmp")) / "jet-hunter-names-test"
    try:
        rel = safe_relative_path(raw, job_key=job)
    except UnsafeName:
        return
    assert len(rel.parts) == 3 and rel.parts[0] == "cutouts"
    assert check_relative(rel) == rel
    assert resolve_inside(root, rel).is_relative_to(root.resolve())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=2, max_size=2, unique=True))
def test_distinct_remote_names_never_share_a_local_name(pair: list[str]) -> None:
    a, b = ("dir/" + s.replace("/", "_").replace("\\", "_").replace("%", "_") for s in pair)
    try:
        name_a, name_b = safe_name(a), safe_name(b)
    except UnsafeName:
        return
    assert name_a != name_b


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=150)), min_size=2, max_size=2, unique=True))
def test_job_folders_are_distinct_safe_and_stable(keys: list[str | None]) -> None:
    folders = [job_folder(k) for k in keys]
    assert folders[0] != folders[1]
    assert folders == [job_folder(k) for k in keys]
    for folder in folders:
        assert folder == NO_JOB_FOLDER or _is_safe(folder.lstrip("~")), folder
        assert PurePosixPath(folder).name == folder and folder not in (".", "..")


@pytest.mark.parametrize(
    "bad",
    ["", "/abs/x.fts", "C:/x.fts", "a/../../x.fts", "a//x.fts", "./x.fts", "a\\x.fts", "a/\x00.fts", ".."],
)
def test_stored_paths_that_are_not_plain_are_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafePath):
        check_relative(bad)
    with pytest.raises(UnsafePath):
        resolve_inside(tmp_path, bad)


def test_symlinks_out_of_the_data_folder_are_refused(tmp_path: Path) -> None:
    data, outside = tmp_path / "data", tmp_path / "outside"
    (data / "cutouts").mkdir(parents=True)
    outside.mkdir()
    (data / "cutouts" / "job").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath, match="outside the data folder"):
        resolve_inside(data, "cutouts/job/x.fts")
    (data / "cutouts" / "ok").mkdir()
    (data / "cutouts" / "ok" / "x.fts").symlink_to(outside / "x.fts")
    with pytest.raises(UnsafePath, match="symlink out of the data folder"):
        resolve_inside(data, "cutouts/ok/x.fts")
    # a symlink that stays inside is still not written through
    (data / "cutouts" / "ok" / "y.fts").symlink_to(data / "cutouts" / "ok" / "z.fts")
    with pytest.raises(UnsafePath, match="symlink"):
        resolve_inside(data, "cutouts/ok/y.fts")
    assert list(outside.iterdir()) == []
    # the data folder itself may be reached through a symlink
    link = tmp_path / "link"
    link.symlink_to(data, target_is_directory=True)
    assert resolve_inside(link, "cutouts/ok/new.fts") == data.resolve() / "cutouts" / "ok" / "new.fts"
