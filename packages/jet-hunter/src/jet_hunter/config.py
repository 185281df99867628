"""Configuration in one place: defaults < ``jet-hunter.toml`` < environment < command line.

The file is looked for as ``./jet-hunter.toml``, then in the user's config folder
(e.g. ``~/.config/jet-hunter/jet-hunter.toml``), unless ``JET_HUNTER_CONFIG`` or
``--config`` names one. It may hold the database URL, the data folder and the
services' base URLs::

    db = "postgresql://jets@db.example.org/jets"
    data_dir = "/data/jet-hunter"

    [services]
    hek_url = "https://www.lmsal.com/hek/her"

Secrets (Panoptes credentials, the JSOC e-mail, a database password) are read from the
environment only: a config file that holds them (a key named like one, or a password
inside the ``db`` URL) is refused, and they never appear in ``repr``. A ``~`` in
``data_dir`` or in a database path is the user's home folder, wherever it is given.

Examples
--------
>>> from jet_hunter.config import load_settings
>>> s = load_settings(env={"JET_HUNTER_HEK_URL": "http://127.0.0.1:8000/hek/her"}, files=[])
>>> s.hek_url
'http://127.0.0.1:8000/hek/her'
>>> s.db
'sqlite:///jet-hunter.db'
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
from hek_client import HEK_URL
from jet_store import DEFAULT_DB_URL, UserError
from sdo_cutout import JSOC_URL, SSW_DATA_URL, SSW_URL
from zoo_bridge import PANOPTES_URL

__all__ = ["Settings", "Secrets", "ConfigError", "load_settings", "config_files", "expand_home", "ENV_VARS"]


class ConfigError(UserError):
    """The configuration file or an environment variable cannot be used."""


@dataclasses.dataclass(frozen=True, slots=True)
class Secrets:
    """Credentials, taken from the environment only; ``repr`` never shows them."""

    panoptes_username: str | None = dataclasses.field(default=None, repr=False)
    panoptes_password: str | None = dataclasses.field(default=None, repr=False)
    jsoc_email: str | None = dataclasses.field(default=None, repr=False)

    def __repr__(self) -> str:
        have = [f.name for f in dataclasses.fields(self) if getattr(self, f.name)]
        return f"Secrets(set={have})"


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know about where things are."""

    db: str = DEFAULT_DB_URL
    data_dir: Path = Path("jet-hunter-data")
    hek_url: str = HEK_URL
    ssw_url: str = SSW_URL
    ssw_data_url: str = SSW_DATA_URL
    jsoc_url: str = JSOC_URL
    panoptes_url: str = PANOPTES_URL
    scheduler: str | None = None
    secrets: Secrets = dataclasses.field(default_factory=Secrets)
    source: tuple[str, ...] = ()
    """Where the values came from (files read), for ``jet-hunter status``."""


ENV_VARS: dict[str, str] = {
    "db": "JET_HUNTER_DB",
    "data_dir": "JET_HUNTER_DATA",
    "hek_url": "JET_HUNTER_HEK_URL",
    "ssw_url": "JET_HUNTER_SSW_URL",
    "ssw_data_url": "JET_HUNTER_SSW_DATA_URL",
    "jsoc_url": "JET_HUNTER_JSOC_URL",
    "panoptes_url": "JET_HUNTER_PANOPTES_URL",
    "scheduler": "JET_HUNTER_SCHEDULER",
}
"""Environment variable of each setting."""

_SECRET_VARS = {
    "panoptes_username": "PANOPTES_USERNAME",
    "panoptes_password": "PANOPTES_PASSWORD",
    "jsoc_email": "JET_HUNTER_JSOC_EMAIL",
}
_SECRET_WORDS = ("password", "username", "email", "token", "secret")
_TOP_KEYS = {"db", "data_dir", "scheduler"}
_SERVICE_KEYS = set(ENV_VARS) - _TOP_KEYS


def config_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The config files that would be read, most specific first."""
    env = os.environ if env is None else env
    if env.get("JET_HUNTER_CONFIG"):
        return [Path(env["JET_HUNTER_CONFIG"])]
    local = Path("jet-hunter.toml")
    user = Path(platformdirs.user_config_dir("jet-hunter")) / "jet-hunter.toml"
    return [path for path in (local, user) if path.is_file()][:1]


def _url_password(url: str) -> bool:
    """Whether a database URL carries a password (``scheme://user:password@host``)."""
    try:
        return "://" in url and urlsplit(url).password is not None
    except ValueError:
        return ":" in url.split("://", 1)[1].split("@", 1)[0] if "@" in url else False


_SQLITE_HOME = re.compile(r"^(sqlite(?:\+\w+)?:///)(~[^/]*)(/.*)?$")


def expand_home(name: str, value: str) -> str:
    """``~`` expanded in a path or a SQLite URL (``sqlite:///~/jets.db``); other URLs unchanged.

    Raises
    ------
    ConfigError
        When the ``~user`` named does not exist.

    Examples
    --------
    >>> import os
    >>> expand_home("db", "sqlite:///~/jets.db") == "sqlite:///" + os.path.expanduser("~/jets.db")
    True
    >>> expand_home("db", "postgresql://db.example.org/jets")
    'postgresql://db.example.org/jets'
    """
    match = _SQLITE_HOME.match(value)
    if match is None and ("://" in value or not value.startswith("~")):
        return value
    prefix, head, tail = (match.group(1), match.group(2), match.group(3) or "") if match else ("", value, "")
    try:
        return prefix + str(Path(head).expanduser()) + tail
    except RuntimeError:
        user = head.split("/", 1)[0]
        raise ConfigError(f"{name}: cannot expand {user!r} in {value!r}: no such user") from None


def _read_file(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(f"config file {path} is a folder; name the jet-hunter.toml file inside it")
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from None
    values: dict[str, Any] = {}
    services = doc.pop("services", {})
    if not isinstance(services, dict):
        raise ConfigError(f"{path}: [services] must be a table")
    for section, table in (("", doc), ("services.", services)):
        for key, value in table.items():
            if any(word in key.lower() for word in _SECRET_WORDS):
                raise ConfigError(
                    f"{path}: {section}{key} looks like a secret; secrets are read from the environment "
                    f"only ({', '.join(_SECRET_VARS.values())})"
                )
            allowed = _TOP_KEYS if section == "" else _SERVICE_KEYS
            if key not in allowed:
                raise ConfigError(
                    f"{path}: unknown setting {section}{key}; known: {', '.join(sorted(allowed))}"
                )
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{path}: {section}{key} must be a non-empty string")
            if key == "db" and _url_password(value):
                raise ConfigError(
                    f"{path}: db holds a password; put the URL with its password in JET_HUNTER_DB "
                    "(or use ~/.pgpass) instead: secrets are read from the environment only"
                )
            values[key] = value
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    files: Sequence[Path] | None = None,
) -> Settings:
    """Settings from defaults, the config file, the environment and ``overrides``.

    Parameters
    ----------
    overrides : mapping, optional
        Values from the command line; ``None`` values are ignored.
    env : mapping, optional
        The environment (``os.environ`` by default).
    files : sequence of Path, optional
        Config files to read (default :func:`config_files`); later ones lose.
    """
    env = os.environ if env is None else env
    paths = config_files(env) if files is None else list(files)
    values: dict[str, Any] = {}
    for path in reversed(paths):
        values.update(_read_file(path))
    for name, var in ENV_VARS.items():
        if env.get(var):
            values[name] = env[var]
    for name, value in (overrides or {}).items():
        if name not in ENV_VARS:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = value
    if "data_dir" in values:
        values["data_dir"] = Path(expand_home("data_dir", str(values["data_dir"])))
    if "db" in values and isinstance(values["db"], str):
        values["db"] = expand_home("db", values["db"])
    secrets = Secrets(**{name: env.get(var) or None for name, var in _SECRET_VARS.items()})
    return Settings(**values, secrets=secrets, source=tuple(str(p) for p in paths))
