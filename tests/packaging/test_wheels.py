"""Every package builds a wheel that installs ALONE, with only its declared dependencies.

``pip install jet-store`` in another project must work: the wheel must ship every file the
package needs (``py.typed``, jet-store's Alembic migrations), declare every distribution
it imports, and carry a version that agrees with ``__version__``. The editable workspace
environment cannot show any of that (all eight packages and their dependencies sit in one
environment, and the source tree is on ``sys.path``), so these tests build each package
with ``uv build --wheel`` and install it into a fresh virtual environment of its own:

* the wheel of another workspace member (jet-hunter needs all seven) comes from the wheels
  built here, never from an index: the constraints file pins every member to its local
  wheel by URL, so a same-named project on PyPI can never be picked;
* everything else comes from the package index (PyPI, or whatever ``UV_INDEX_URL`` /
  ``uv.toml`` say), through uv's cache. Offline, they pass with a warm uv cache and
  ``UV_OFFLINE=1``.

The wheels are built once per session and the environments are created in parallel, in
one session fixture, so the module costs seconds rather than minutes. Every subprocess has
a timeout, all of them together stay inside one budget below pytest-timeout's limit, and a
failure says which command failed and what it printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import time
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PACKAGES_DIR = ROOT / "packages"
PACKAGES = sorted(p.name for p in PACKAGES_DIR.iterdir() if (p / "pyproject.toml").is_file())

# All subprocesses of the session fixtures share one budget, kept below pytest-timeout's
# 300 s (which counts the fixture setup against the first test), so a package index that
# does not answer fails the tests with uv's message instead of a timeout traceback.
SETUP_BUDGET_S = 240.0
CHECK_TIMEOUT_S = 120.0

# Folders inside a package that hold files, not importable modules (Alembic loads
# jet_store/migrations/env.py and versions/*.py by path), and modules that run a program
# when imported.
NOT_IMPORTED = frozenset({"migrations", "__main__"})

NETWORK_HINT = (
    "If uv could not reach the package index: these tests need it (PyPI, or UV_INDEX_URL / "
    "uv.toml) for third-party dependencies; offline, run them with a warm uv cache and UV_OFFLINE=1"
)

# Runs inside each clean venv (python -I): imports the package and every submodule, and
# reports what it found as JSON on stdout.
CHECK_SCRIPT = textwrap.dedent(
    """
    import ast, importlib, importlib.metadata, importlib.util, json, pkgutil, sys, sysconfig, traceback
    from pathlib import Path

    dist, top, skip = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
    purelib = sysconfig.get_path("purelib")
    report = {"purelib": purelib, "imported": [], "skipped": [], "failed": {}, "version": None}
    report["dist_version"] = importlib.metadata.version(dist)
    spec = importlib.util.find_spec(top)  # locates the package without running it
    report["file"] = spec.origin

    def onerror(name):
        report["failed"][name] = traceback.format_exc()

    try:
        package = importlib.import_module(top)
    except BaseException:
        onerror(top)
    else:
        report["version"] = getattr(package, "__version__", None)
        for info in pkgutil.walk_packages(package.__path__, top + ".", onerror=onerror):
            if skip & set(info.name.split(".")):
                report["skipped"].append(info.name)
                continue
            try:
                module = importlib.import_module(info.name)
            except BaseException:
                onerror(info.name)
            else:
                report["imported"].append(info.name)
                if not str(module.__file__).startswith(purelib):
                    report["failed"][info.name] = f"imported from {module.__file__}, not from the venv"

    report["entry_points"] = {}
    for ep in importlib.metadata.distribution(dist).entry_points:
        try:
            ep.load()
        except BaseException:
            report["entry_points"][f"{ep.group}:{ep.name}"] = traceback.format_exc()
        else:
            report["entry_points"][f"{ep.group}:{ep.name}"] = None

    # Top-level names the package's source imports, anywhere (module level, functions,
    # TYPE_CHECKING blocks), and the installed distributions that provide them.
    seen = {}
    for path in sorted(Path(spec.origin).parent.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                first = name.partition(".")[0]
                if first != top and first != "__future__" and first not in sys.stdlib_module_names:
                    seen.setdefault(first, path.relative_to(purelib).as_posix())
    providers = importlib.metadata.packages_distributions()
    report["third_party"] = {name: [where, providers.get(name, [])] for name, where in sorted(seen.items())}
    print(json.dumps(report))
    """
)


class _Deadline:
    """One time budget shared by every subprocess of the session fixtures."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(1.0, self.end - time.monotonic())


class CommandError(Exception):
    """A subprocess failed or timed out; the message says which, and what it printed."""


def _run(
    cmd: Sequence[str | Path],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    hint: str = "",
) -> subprocess.CompletedProcess[str]:
    args = [str(c) for c in cmd]
    shown = " ".join(args)
    try:
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise CommandError(
            f"`{shown}` did not finish within {timeout:.0f} s\n{hint}\n"
            f"--- stderr so far ---\n{_text(err.stderr)}"
        ) from None
    if proc.returncode != 0:
        raise CommandError(
            f"`{shown}` exited with {proc.returncode}\n{hint}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc


def _text(data: str | bytes | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


def _uv() -> Path:
    """The uv executable of this environment (hatch.toml's default env lists ``uv``)."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        for name in ("uv", "uv.exe"):
            candidate = Path(folder) / name
            if candidate.is_file():
                return candidate
    pytest.fail(
        f"no uv next to {sys.executable}: run these tests in the hatch default environment "
        "(`hatch run pytest tests/packaging`), whose dependencies include uv"
    )


def _clean_env(extra_path: Path | None = None) -> dict[str, str]:
    """The caller's environment minus everything that would leak the workspace into a venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONSTARTUP",
            "PYTHONUSERBASE",
            "VIRTUAL_ENV",
            "CONDA_PREFIX",
            "__PYVENV_LAUNCHER__",
        }
    }
    env["PYTHONNOUSERSITE"] = "1"
    if extra_path is not None:
        env["PATH"] = os.pathsep.join([str(extra_path), env.get("PATH", "")])
    return env


@dataclass(frozen=True)
class Wheel:
    """A built wheel and what its archive says about itself."""

    package: str  # folder under packages/, which is the distribution name
    path: Path
    name: str
    version: str
    requires: tuple[str, ...]
    files: frozenset[str]
    console_scripts: tuple[str, ...]

    @property
    def import_name(self) -> str:
        return self.package.replace("-", "_")

    @property
    def top_level(self) -> set[str]:
        """Top-level folders/modules in the wheel, other than its metadata."""
        tops = {PurePosixPath(f).parts[0] for f in self.files}
        return {t.removesuffix(".py") for t in tops if not t.endswith((".dist-info", ".data"))}


@dataclass
class Venv:
    """A clean venv with one package installed, and what the check script found there."""

    root: Path
    error: str | None = None
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def bin(self) -> Path:
        return self.root / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def run(self, *args: str | Path, timeout: float = CHECK_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return _run(args, timeout=timeout, env=_clean_env(self.bin), cwd=self.root)

    def check(self, *args: str | Path) -> str:
        """Run a command in the venv for a test: its stdout, or the test fails with its output."""
        try:
            return self.run(*args).stdout
        except CommandError as err:
            pytest.fail(str(err), pytrace=False)


def _read_wheel(package: str, path: Path) -> Wheel:
    with zipfile.ZipFile(path) as archive:
        files = frozenset(archive.namelist())
        dist_info = next(f.split("/")[0] for f in files if f.split("/")[0].endswith(".dist-info"))
        meta = HeaderParser().parsestr(archive.read(f"{dist_info}/METADATA").decode("utf-8"))
        scripts: list[str] = []
        if f"{dist_info}/entry_points.txt" in files:
            section = ""
            for line in archive.read(f"{dist_info}/entry_points.txt").decode("utf-8").splitlines():
                line = line.strip()
                if line.startswith("["):
                    section = line.strip("[]")
                elif line and section == "console_scripts":
                    scripts.append(line.partition("=")[0].strip())
    return Wheel(
        package=package,
        path=path,
        name=meta["Name"],
        version=meta["Version"],
        requires=tuple(meta.get_all("Requires-Dist") or ()),
        files=files,
        console_scripts=tuple(scripts),
    )


@pytest.fixture(scope="session")
def deadline() -> _Deadline:
    return _Deadline(SETUP_BUDGET_S)


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory, deadline: _Deadline) -> dict[str, Wheel]:
    """One wheel per package, all in one folder (the ``--find-links`` of every install)."""
    uv = _uv()
    out = tmp_path_factory.mktemp("wheelhouse")

    def build(package: str) -> None:
        _run(
            [uv, "build", "--wheel", "--out-dir", out, PACKAGES_DIR / package],
            timeout=deadline.left(),
            env=_clean_env(),
            cwd=out,
            hint=f"Building {package} failed. {NETWORK_HINT}.",
        )

    with ThreadPoolExecutor(max_workers=len(PACKAGES)) as pool:
        errors = [f.exception() for f in [pool.submit(build, p) for p in PACKAGES]]
    failed = [(p, e) for p, e in zip(PACKAGES, errors, strict=True) if e is not None]
    if failed:
        others = f"\n\n(also failed to build: {', '.join(p for p, _ in failed[1:])})" if failed[1:] else ""
        pytest.fail(f"{failed[0][1]}{others}", pytrace=False)

    built: dict[str, Wheel] = {}
    for package in PACKAGES:
        name = canonicalize_name(package).replace("-", "_")
        found = sorted(out.glob(f"{name}-*.whl"))
        assert len(found) == 1, f"expected one wheel of {package} in {out}, found {found}"
        built[package] = _read_wheel(package, found[0])
    return built


@pytest.fixture(scope="session")
def venvs(
    tmp_path_factory: pytest.TempPathFactory, wheels: dict[str, Wheel], deadline: _Deadline
) -> dict[str, Venv]:
    """A fresh venv per package with only that wheel (and what it declares) installed.

    Created in parallel; a package whose install fails gets ``error`` set, so only its
    own tests fail.
    """
    uv = _uv()
    base = tmp_path_factory.mktemp("venvs")
    wheelhouse = next(iter(wheels.values())).path.parent
    constraints = base / "members.txt"
    constraints.write_text("".join(f"{w.name} @ {w.path.as_uri()}\n" for w in wheels.values()), "utf-8")
    script = base / "check_package.py"
    script.write_text(CHECK_SCRIPT, "utf-8")

    def make(package: str) -> Venv:
        venv = Venv(base / package)
        try:
            _run(
                [uv, "venv", "--python", sys.executable, venv.root],
                timeout=deadline.left(),
                env=_clean_env(),
                cwd=base,
            )
            _run(
                [
                    uv,
                    "pip",
                    "install",
                    "--python",
                    venv.python,
                    "--find-links",
                    wheelhouse,
                    "--constraint",
                    constraints,
                    wheels[package].path,
                ],
                timeout=deadline.left(),
                env=_clean_env(),
                cwd=base,
                hint=f"Installing {package} into a clean venv failed. {NETWORK_HINT}.",
            )
            _run(
                [uv, "pip", "check", "--python", venv.python],
                timeout=deadline.left(),
                env=_clean_env(),
                cwd=base,
                hint=f"The dependencies installed with {package} are inconsistent.",
            )
            proc = venv.run(
                venv.python,
                "-I",
                script,
                package,
                wheels[package].import_name,
                ",".join(sorted(NOT_IMPORTED)),
                timeout=deadline.left(),
            )
            venv.report = json.loads(proc.stdout)
        except CommandError as err:
            venv.error = str(err)
        return venv

    with ThreadPoolExecutor(max_workers=len(PACKAGES)) as pool:
        return dict(zip(PACKAGES, pool.map(make, PACKAGES), strict=True))


def _venv(venvs: dict[str, Venv], package: str) -> Venv:
    venv = venvs[package]
    if venv.error is not None:
        pytest.fail(venv.error, pytrace=False)
    return venv


# -- the wheel itself ------------------------------------------------------------------------


@pytest.mark.parametrize("package", PACKAGES)
def test_wheel_ships_the_whole_package(package: str, wheels: dict[str, Wheel]) -> None:
    wheel = wheels[package]
    top = wheel.import_name
    with open(PACKAGES_DIR / package / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]

    assert canonicalize_name(wheel.name) == canonicalize_name(package) == canonicalize_name(project["name"])
    assert wheel.top_level == {top}, f"{wheel.path.name} should hold exactly the package {top}/"
    assert f"{top}/py.typed" in wheel.files, f"{wheel.path.name} lacks {top}/py.typed (PEP 561)"
    assert f"{top}/__init__.py" in wheel.files

    cached = sorted(f for f in wheel.files if "__pycache__" in f or f.endswith((".pyc", ".pyo")))
    assert not cached, f"{wheel.path.name} ships bytecode: {cached}"

    src = PACKAGES_DIR / package / "src" / top
    expected = {
        f"{top}/{p.relative_to(src).as_posix()}"
        for p in src.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix not in {".pyc", ".pyo"}
        and not p.name.startswith(".")
        and not p.name.endswith("~")
    }
    missing = sorted(expected - wheel.files)
    if missing:
        pytest.fail(f"{wheel.path.name} lacks files of src/{top}: {missing}", pytrace=False)


def test_jet_store_wheel_ships_the_migrations(wheels: dict[str, Wheel]) -> None:
    wheel = wheels["jet-store"]
    for name in ("env.py", "script.py.mako"):
        assert f"jet_store/migrations/{name}" in wheel.files, f"{wheel.path.name} lacks migrations/{name}"
    versions = {f for f in wheel.files if PurePosixPath(f).match("jet_store/migrations/versions/*.py")}
    in_source = {
        f"jet_store/migrations/versions/{p.name}"
        for p in (PACKAGES_DIR / "jet-store/src/jet_store/migrations/versions").glob("*.py")
    }
    assert in_source, "jet-store has no migration scripts in its source tree"
    assert versions == in_source


# -- the wheel installed alone into a clean venv ----------------------------------------------


@pytest.mark.parametrize("package", PACKAGES)
def test_installs_alone_and_imports_everything(
    package: str, wheels: dict[str, Wheel], venvs: dict[str, Venv]
) -> None:
    wheel, venv = wheels[package], _venv(venvs, package)
    report = venv.report

    assert report["file"].startswith(report["purelib"]), f"{package} imported from {report['file']}"
    failed = "\n".join(f"--- {name}\n{tb}" for name, tb in report["failed"].items())
    if failed:
        pytest.fail(
            f"{package} fails to import with only its declared dependencies:\n{failed}", pytrace=False
        )
    assert report["version"] == wheel.version, (
        f"{wheel.import_name}.__version__ is {report['version']!r}; the wheel's metadata: {wheel.version!r}"
    )
    assert report["dist_version"] == wheel.version
    broken = {ep: tb for ep, tb in report["entry_points"].items() if tb is not None}
    assert not broken, f"entry points of {package} do not load: {broken}"


@pytest.mark.parametrize("package", PACKAGES)
def test_declares_what_it_imports(package: str, wheels: dict[str, Wheel], venvs: dict[str, Venv]) -> None:
    """Every third-party import is a declared dependency, not one that arrives transitively.

    CONVENTIONS.md: a pyproject lists "dependencies it really imports". An import provided
    by an installed distribution must name that distribution in Requires-Dist (any extra);
    an import nothing installed provides (an optional extra that was not requested) must
    match a requirement's name.
    """
    wheel, venv = wheels[package], _venv(venvs, package)
    declared = {canonicalize_name(Requirement(r).name) for r in wheel.requires}
    problems = []
    for name, (where, providers) in venv.report["third_party"].items():
        if providers:
            if not declared & {canonicalize_name(d) for d in providers}:
                problems.append(
                    f"{where} imports {name} (distribution {', '.join(providers)}), "
                    f"which {package} does not declare: add it to [project] dependencies"
                )
        elif canonicalize_name(name) not in declared:
            problems.append(f"{where} imports {name}, which no requirement of {package} provides")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_jet_store_creates_a_database_from_the_shipped_migrations(venvs: dict[str, Venv]) -> None:
    venv = _venv(venvs, "jet-store")
    code = (
        "from jet_store import Store\n"
        "from jet_store.migrate import head_revision\n"
        "store = Store('sqlite://')\n"
        "print(store.revision, head_revision())\n"
    )
    revision, head = venv.check(venv.python, "-I", "-c", code).split()
    assert revision == head


def test_jet_hunter_console_script_runs(wheels: dict[str, Wheel], venvs: dict[str, Venv]) -> None:
    venv = _venv(venvs, "jet-hunter")
    version = wheels["jet-hunter"].version
    assert "jet-hunter" in wheels["jet-hunter"].console_scripts
    script = venv.bin / ("jet-hunter.exe" if os.name == "nt" else "jet-hunter")
    assert venv.check(script, "--version").strip() == f"jet-hunter {version}"
    assert venv.check(venv.python, "-I", "-m", "jet_hunter", "--version").strip() == f"jet-hunter {version}"
