"""Configuration: defaults < file < environment < command line; secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from hek_client import HEK_URL
from jet_hunter.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jet-hunter.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_real_services() -> None:
    s = load_settings(env={}, files=[])
    assert s.db == "sqlite:///jet-hunter.db"
    assert s.data_dir == Path("jet-hunter-data")
    assert s.hek_url == HEK_URL == "https://www.lmsal.com/hek/her"
    assert s.jsoc_url == "http://jsoc.stanford.edu"
    assert s.ssw_url.endswith("ssw_service_track_fov.sh")
    assert s.panoptes_url == "https://www.zooniverse.org"


def test_precedence(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'db = "file.db"\ndata_dir = "/data/jh"\n[services]\nhek_url = "http://file/hek"\n'
        'jsoc_url = "http://file/jsoc"\n',
    )
    env = {"JET_HUNTER_DB": "env.db", "JET_HUNTER_HEK_URL": "http://env/hek"}
    s = load_settings({"db": "cli.db", "data_dir": None}, env=env, files=[path])
    assert s.db == "cli.db"  # command line beats env beats file
    assert s.hek_url == "http://env/hek"
    assert s.jsoc_url == "http://file/jsoc"
    assert s.data_dir == Path("/data/jh")
    assert s.source == (str(path),)


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[services]\npanoptes_url = "http://127.0.0.1:9/panoptes"\n')
    s = load_settings(env={"JET_HUNTER_CONFIG": str(path)})
    assert s.panoptes_url == "http://127.0.0.1:9/panoptes"


def test_local_file_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, 'db = "here.db"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).db == "here.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[services]\npanoptes_password = "x"\n', "secret"),
        ('jsoc_email = "me@example.org"\n', "secret"),
        ('dbb = "typo.db"\n', "unknown setting dbb"),
        ('[services]\nhek = "x"\n', "unknown setting services.hek"),
        ("db = 3\n", "must be a non-empty string"),
        ('services = "x"\n', "must be a table"),
        ("db = \n", "not valid TOML"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env={}, files=[write(tmp_path, text)])


def test_missing_named_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"JET_HUNTER_CONFIG": str(tmp_path / "nope.toml")})


def test_secrets_from_environment_never_shown() -> None:
    env = {
        "PANOPTES_USERNAME": "volunteer",
        "PANOPTES_PASSWORD": "hunter2",
        "JET_HUNTER_JSOC_EMAIL": "a@b.org",
    }
    s = load_settings(env=env, files=[])
    assert s.secrets.panoptes_password == "hunter2"
    assert s.secrets.jsoc_email == "a@b.org"
    for text in (repr(s), str(s), repr(s.secrets)):
        assert "hunter2" not in text
        assert "a@b.org" not in text
        assert "volunteer" not in text
