"""JSOC's export protocol, without HTTP: record sets, im_patch, answers and the status table."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sdo_cutout import CutoutParams, JsocAddressError, JsocAnswerError, JsocStatusError
from sdo_cutout.jsoc import (
    classify_status,
    export_params,
    file_refs,
    im_patch,
    parse_json,
    read_address,
    read_export,
    record_set,
    status_params,
)

SITE = "http://jsoc.test"


def jsoc_job(**kwargs: object) -> object:
    args: dict[str, object] = {"center": (-350.5, 120), "fov": (200, 150), "backend": "jsoc"}
    args.update(kwargs)
    return CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", **args).to_job()  # type: ignore[arg-type]


def test_export_request_follows_the_protocol() -> None:
    job = jsoc_job(waves=[304, 171])
    params = export_params(job, "jane@example.org")  # type: ignore[arg-type]
    assert params == {
        "op": "exp_request",
        "format": "json",
        "ds": "aia.lev1_euv_12s[2010-06-20T11:14:44Z/2382s][171,304]{image}",
        "notify": "jane@example.org",
        "method": "url",
        "protocol": "fits",
        "process": "n=0|im_patch,t_ref=2010-06-20T11:14:44,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,"
        "x=-350.5,y=120,width=200,height=150",
    }
    assert "t=0," in im_patch(jsoc_job(track=True))  # type: ignore[arg-type]
    assert status_params("JSOC_1") == {"op": "exp_status", "requestid": "JSOC_1", "format": "json"}
    ssw = CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:20", center=(0, 0)).to_job()
    with pytest.raises(ValueError, match="not JSOC"):
        record_set(ssw)


def test_address_answers() -> None:
    read_address({"status": 2}, "jane@example.org")
    with pytest.raises(JsocAddressError, match="not validated") as err:
        read_address({"status": 4}, "jane@example.org")
    assert "jane@" not in str(err.value)
    with pytest.raises(JsocAddressError, match="not an e-mail address"):
        read_address({"status": -2}, "nobody")
    with pytest.raises(JsocAddressError, match="status 9"):
        read_address({"status": "9"}, "jane@example.org")
    with pytest.raises(JsocAnswerError, match="without a status"):
        read_address({}, "jane@example.org")


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        ({"status": 2, "requestid": "JSOC_20140325_334", "wait": 10}, "submitted"),
        ({"status": 1, "requestid": "JSOC_20140325_334"}, "submitted"),
        ({"status": "2", "requestid": " JSOC_1 "}, "submitted"),
        ({"status": 7, "error": "User jane has a pending request"}, "deferred"),
        ({"status": 3, "error": "request too large"}, "failed"),
        ({"status": 5}, "failed"),
    ],
)
def test_export_answers(doc: dict[str, object], kind: str) -> None:
    outcome = read_export(doc)
    assert outcome.kind == kind
    if kind == "submitted":
        assert outcome.remote_id is not None and outcome.remote_id.startswith("JSOC_")


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"status": 4, "error": "cannot connect to DRMS"}, "reported an error"),
        ({"status": 2}, "no usable requestid"),
        ({"status": 2, "requestid": "../x"}, "no usable requestid"),
        ({"status": None}, "without a status"),
        ({"status": True}, "without a status"),
        ({"status": "two"}, "not a number"),
        ({"status": 1.5}, "not a whole number"),
    ],
)
def test_export_answers_that_are_errors(doc: dict[str, object], match: str) -> None:
    with pytest.raises((JsocStatusError, JsocAnswerError), match=match):
        read_export(doc)


def test_status_table() -> None:
    assert classify_status({"status": 2, "wait": 7}, SITE).kind == "pending"
    assert classify_status({"status": 2, "wait": 7}, SITE).wait == 7.0
    assert classify_status({"status": 1}, SITE).kind == "pending"
    assert [classify_status({"status": 6}, SITE, not_found=n, max_not_found=3).kind for n in range(5)] == [
        "pending",
        "pending",
        "pending",
        "resubmit",
        "resubmit",
    ]
    assert [classify_status({"status": 4}, SITE, errors=n, max_status_errors=2).kind for n in range(3)] == [
        "pending",
        "pending",
        "resubmit",
    ]
    assert classify_status({"status": 7}, SITE).kind == "resubmit"
    too_large = classify_status({"status": 3}, SITE)
    assert too_large.kind == "failed" and "too large" in (too_large.message or "")
    assert classify_status({"status": 5}, SITE).kind == "failed"
    with pytest.raises(JsocAnswerError, match="status 9"):
        classify_status({"status": 9}, SITE)


def test_finished_export_files() -> None:
    doc = {
        "status": 0,
        "dir": "/SUM86/D803708321/S00000",
        "data": [
            {"record": "aia.lev1_euv_12s[2010-06-20T11:14:45Z][171]{image}", "filename": "a.171.image.fits"},
            {"record": "aia.lev1_euv_12s[2010-06-20T11:14:45Z][304]{image}", "filename": "a.304.image.fits"},
            {"record": "aia.lev1_euv_12s[2010-06-20T11:14:57Z][304]{image}", "filename": "NoDataFile"},
            {"record": "x", "filename": "../../../etc/b.304.fits"},
            {"record": "x", "filename": "/etc/passwd"},
            {"record": "x"},
            "junk",
        ],
    }
    outcome = classify_status(doc, SITE + "/")
    assert outcome.kind == "ready"
    assert [(f.url, f.wavelength) for f in outcome.files] == [
        (SITE + "/SUM86/D803708321/S00000/a.171.image.fits", 171.0),
        (SITE + "/SUM86/D803708321/S00000/a.304.image.fits", 304.0),
        (SITE + "/SUM86/D803708321/S00000/b.304.fits", None),
    ]
    assert len(outcome.rejected) == 3
    only_missing = {"status": 0, "dir": "/SUM1/D1", "data": [{"record": "r", "filename": "NoDataFile"}]}
    assert classify_status(only_missing, SITE).kind == "failed"


@pytest.mark.parametrize("folder", [None, "", "../x", "/SUM1/../../etc", "/a b", "/x?y", 7])
def test_unusable_export_folders(folder: object) -> None:
    with pytest.raises(JsocAnswerError, match="no usable dir"):
        file_refs({"status": 0, "dir": folder, "data": []}, SITE)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html><h1>503 Service Unavailable</h1></html>", "HTML page"),
        (b'{"status": 2', "broken JSON"),
        (b"[1, 2]", "not an object"),
        (b"", "broken JSON"),
        (b"\xff\xfe\x00", "broken JSON"),
    ],
)
def test_answers_that_are_not_json(body: bytes, match: str) -> None:
    with pytest.raises(JsocAnswerError, match=match):
        parse_json(body)


def test_latin1_in_an_answer_is_read() -> None:
    assert parse_json(b'{"status": 4, "error": "caf\xe9"}')["status"] == 4


# -- malformed input: a clear error or a usable result, never a crash ------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
status_docs = st.fixed_dictionaries(
    {},
    optional={
        "status": st.one_of(st.integers(-3, 9), st.text(max_size=3), st.none(), st.floats()),
        "requestid": st.one_of(st.text(max_size=30), st.integers(), st.just("JSOC_1")),
        "wait": json_values,
        "dir": st.one_of(st.text(max_size=30), st.just("/SUM1/D2/S0"), json_values),
        "data": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "record": st.one_of(st.text(max_size=40), st.just("a[2010-06-20T11:14:45Z][304]")),
                        "filename": st.one_of(
                            st.text(max_size=40), st.sampled_from(["NoDataFile", "a.fits", "../../x.fits"])
                        ),
                    },
                ),
                max_size=5,
            ),
        ),
        "error": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(status_docs)
def test_status_answers_never_crash(doc: dict[str, object]) -> None:
    try:
        outcome = classify_status(doc, SITE)
    except (JsocAnswerError, JsocStatusError):
        return
    assert outcome.kind in ("ready", "pending", "resubmit", "failed")
    for ref in outcome.files:
        assert ref.url.startswith(SITE + "/") and urlsplit(ref.url).netloc == "jsoc.test"
        assert ".." not in ref.url.split("/")
    if outcome.wait is not None:
        assert outcome.wait >= 0


@settings(max_examples=300, deadline=None)
@given(status_docs)
def test_export_answers_never_crash(doc: dict[str, object]) -> None:
    try:
        outcome = read_export(doc)
    except (JsocAnswerError, JsocStatusError):
        return
    assert outcome.kind in ("submitted", "deferred", "failed")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_json_parser_never_crashes(body: bytes) -> None:
    with contextlib.suppress(JsocAnswerError):
        assert isinstance(parse_json(body), dict)
