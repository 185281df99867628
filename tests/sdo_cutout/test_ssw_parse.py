"""The SSW cutout service's protocol, without HTTP: submit parameters, JobID, index, lists."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sdo_cutout import CutoutParams, SswAnswerError
from sdo_cutout.names import safe_fits_name
from sdo_cutout.ssw import (
    IndexPage,
    job_folder_url,
    list_wavelength,
    parse_index,
    parse_job_id,
    parse_list,
    submit_params,
)

FOLDER = (
    "https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/ssw_service_150113_120434_79087/"
)
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")

# what the real service answers (shape of the seed's recorded answer)
SUBMIT_ANSWER = """<?xml version="1.0"?>
<VOTABLE>
 <RESOURCE>
  <PARAM name="status" value="queued"/>
  <param name="JobID">ssw_service_150113_120434_79087</param>
  <param name="url">http://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/</param>
 </RESOURCE>
</VOTABLE>
"""

READY_INDEX = """<html><head><title>ssw_service_150113_120434_79087</title></head><body>
<h3>Cutout movies</h3>
<a href="ssw_cutout_20120923_000000_AIA_171_.mp4">movie</a>
<h3>Per-Wave file lists</h3>
<ul>
<li><a href="ssw_cutout_20120923_000000_AIA_171_.list">AIA 171</a>
<li><a href="ssw_cutout_20120923_000000_AIA_304_.list">AIA 304</a>
<li><A HREF="http://elsewhere.example/ssw_cutout_20120923_000000_AIA_193_.list?x=1">AIA 193</A>
</ul></body></html>
"""


def test_submit_params_follow_the_protocol() -> None:
    job = CutoutParams.build(
        "2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683), fov=(239, 221.5), waves=[304, 171]
    ).to_job()
    params = submit_params(job)
    assert params == {
        "xcen": "813",
        "ycen": "-683",
        "fovx": "239",
        "fovy": "221.5",
        "starttime": "2010-06-20T11:14:44",
        "endtime": "2010-06-20T11:54:26",
        "waves": "171,304",
        "max_frames": "199",
        "queue_job": "1",
        "notrack": "1",
    }
    tracked = CutoutParams.build(
        "2010-06-20T11:14:44", "2010-06-20T11:20", center=(0, 0), track=True
    ).to_job()
    assert "notrack" not in submit_params(tracked)
    jsoc = CutoutParams.build(
        "2010-06-20T11:14:44", "2010-06-20T11:20", center=(0, 0), backend="jsoc"
    ).to_job()
    with pytest.raises(ValueError, match="not the SSW"):
        submit_params(jsoc)


def test_job_id_from_a_real_shaped_answer() -> None:
    assert parse_job_id(SUBMIT_ANSWER) == "ssw_service_150113_120434_79087"
    assert parse_job_id(SUBMIT_ANSWER.encode("utf-8")) == "ssw_service_150113_120434_79087"
    assert parse_job_id("<PARAM NAME='JobID'> ssw_1 </PARAM>") == "ssw_1"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "without a JobID"),
        (b"<html><body><h1>500 Internal Server Error</h1></body></html>", "500 Internal Server Error"),
        (b'<param name="JobID"></param>', "not a folder name"),
        (b'<param name="JobID">../../etc</param>', "not a folder name"),
        (b'<param name="JobID">a/b</param>', "not a folder name"),
        (b'<param name="JobID">ssw 1</param>', "not a folder name"),
        (b"\xff\xfe<param>", "without a JobID"),
    ],
)
def test_answers_without_a_usable_job_id_are_clear_errors(body: bytes, match: str) -> None:
    with pytest.raises(SswAnswerError, match=match):
        parse_job_id(body)


def test_folder_urls() -> None:
    assert job_folder_url("http://x.test/data", "ssw_1") == "http://x.test/data/ssw_1/"
    for bad in ("..", ".", "", "a/b", "a?b", "%2e%2e"):
        with pytest.raises(SswAnswerError):
            job_folder_url("http://x.test/data/", bad)


def test_index_lists_every_wavelength() -> None:
    page = parse_index(READY_INDEX, FOLDER)
    assert page.ready
    assert page.lists == (
        FOLDER + "ssw_cutout_20120923_000000_AIA_171_.list",
        FOLDER + "ssw_cutout_20120923_000000_AIA_304_.list",
        FOLDER + "ssw_cutout_20120923_000000_AIA_193_.list",  # pinned to the job folder
    )
    assert [list_wavelength(url) for url in page.lists] == [171, 304, 193]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Job ssw_service_1 is queued (position 3)</body></html>",
        b'<a href="x.list">list</a>',  # a link, but not the ready marker
        b"\x00\xff\xfe",
    ],
)
def test_pending_indexes(body: bytes) -> None:
    assert parse_index(body, FOLDER) == IndexPage(ready=False)


def test_list_lines() -> None:
    text = (
        "/archive/sdo/media/ssw/ssw_client/data/ssw_service_1/ssw_cutout_20120923_000012_AIA_304_.fts\n"
        "\n"
        "   \n"
        "ssw_cutout_20120923_000024_AIA_304_.fts\r\n"
        "../../ssw_cutout_20120923_000036_AIA_304_.fts\n"
        "/etc/passwd\n"
        "C:\\windows\\win.ini\n"
        "ssw_cutout_20120923_000012_AIA_304_.fts\n"
        "http://elsewhere.example/x.fits?download=1\n"
    )
    listed = parse_list(text, FOLDER, 304)
    assert [f.url for f in listed.files] == [
        FOLDER + "ssw_cutout_20120923_000012_AIA_304_.fts",
        FOLDER + "ssw_cutout_20120923_000024_AIA_304_.fts",
        FOLDER + "ssw_cutout_20120923_000036_AIA_304_.fts",
    ]
    assert {f.wavelength for f in listed.files} == {304.0}
    assert len(listed.rejected) == 3
    assert any("passwd" in r for r in listed.rejected) and any("win.ini" in r for r in listed.rejected)


@pytest.mark.parametrize(
    "body",
    [
        "<!DOCTYPE html>\n<html><body>Service unavailable</body></html>",
        "  <HTML>\n<p>maintenance</p>",
        '<?xml version="1.0"?><error/>',
    ],
)
def test_an_html_page_is_not_an_empty_list(body: str) -> None:
    with pytest.raises(SswAnswerError, match="HTML page instead of a list"):
        parse_list(body, FOLDER, 171)


def test_safe_fits_names() -> None:
    assert safe_fits_name("a/b/AIA.fits.gz") == "AIA.fits.gz"
    for bad in ("", "   ", "x.fts\x00", "/", "..", ".hidden.fts", "x.fts?y", "x%2f.fts", "x.txt", "x.fts/"):
        with pytest.raises(ValueError, match=r"name|control"):
            safe_fits_name(bad)


# -- malformed input: a clear error or a usable result, never a crash ------------------

text_or_bytes = st.one_of(st.binary(max_size=400), st.text(max_size=400))
lines = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(["../../x.fts", "/etc/passwd", "a.fts", "", " ", "x/../y.fits", "%2e%2e%2fz.fts"]),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(text_or_bytes)
@example(b'<param name="JobID">\x00</param>')
def test_job_id_parser_never_crashes(body: bytes | str) -> None:
    try:
        job_id = parse_job_id(body)
    except SswAnswerError:
        return
    assert SAFE_NAME.match(job_id) and job_id not in (".", "..")


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        text_or_bytes,
        st.lists(st.text(max_size=40), max_size=8).map(
            lambda hrefs: "Per-Wave file lists " + "".join(f'<a href="{h}">x</a>' for h in hrefs)
        ),
    )
)
def test_index_parser_never_leaves_the_job_folder(body: bytes | str) -> None:
    page = parse_index(body, FOLDER)
    for url in page.lists:
        assert url.startswith(FOLDER)
        name = url[len(FOLDER) :]
        assert SAFE_NAME.match(name) and name.lower().endswith(".list")


@settings(max_examples=200, deadline=None)
@given(lines)
def test_list_parser_never_leaves_the_job_folder(items: list[str]) -> None:
    text = "\n".join(items)
    try:
        listed = parse_list(text, FOLDER, None)
    except SswAnswerError:
        assert text.lstrip()[:1] == "<"  # only an HTML page is refused as a whole
        return
    for ref in listed.files:
        assert ref.url.startswith(FOLDER)
        name = ref.url[len(FOLDER) :]
        assert SAFE_NAME.match(name) and "/" not in name
        assert urlsplit(ref.url).netloc == urlsplit(FOLDER).netloc
    nonblank = [line for line in text.splitlines() if line.strip()]
    assert len(listed.files) + len(listed.rejected) <= len(nonblank)
