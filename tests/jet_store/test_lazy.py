"""jet_store.lazy: a package's public names from its __init__.pyi, imported on first use.

Each test writes a small package into a temporary folder and imports it under a fresh
name, so what it proves (which submodules are imported when) does not depend on what
the rest of the suite has imported.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from jet_store.lazy import read_stub

_names = itertools.count()

STUB = """
from jet_store.retry import RetryPolicy

from .alpha import ALPHA, shout
from .beta import Beta
from .echo import echo

__version__: str

__all__ = ["__version__", "shout", "ALPHA", "Beta", "RetryPolicy", "echo"]
"""

MODULES = {
    "__init__.py": """
        from jet_store.lazy import attach_stub

        __version__ = "1.2.3"

        __getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
    """,
    "alpha.py": """
        ALPHA = "a"

        def shout(text):
            return text.upper()
    """,
    "beta.py": """
        from {pkg}.alpha import ALPHA  # a submodule importing another: no cycle through the package

        class Beta:
            letter = ALPHA
    """,
    "echo.py": """
        def echo(text):
            return text
    """,
    "extra.py": """
        VALUE = 7
    """,
}


@pytest.fixture
def make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh package (its name unused so far) on sys.path: alpha, beta, echo and extra modules."""
    name = f"lazy_fixture_{next(_names)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.pyi").write_text(STUB)
    for file, text in MODULES.items():
        (folder / file).write_text(textwrap.dedent(text.format(pkg=name)))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("EAGER_IMPORT", raising=False)
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def _loaded(name: str) -> set[str]:
    return {m.removeprefix(name + ".") for m in sys.modules if m.startswith(name + ".")}


def test_names_are_imported_on_first_use(make_package: str) -> None:
    package = importlib.import_module(make_package)
    # echo is also a submodule's name: imported at once (else importing the submodule would bind it)
    assert _loaded(make_package) == {"echo"}
    assert package.__version__ == "1.2.3"
    assert package.shout("jet") == "JET"
    assert _loaded(make_package) == {"alpha", "echo"}
    assert package.Beta.letter == "a"
    assert _loaded(make_package) == {"alpha", "beta", "echo"}


def test_all_keeps_the_stub_order_and_every_name_resolves(make_package: str) -> None:
    package = importlib.import_module(make_package)
    assert package.__all__ == ["__version__", "shout", "ALPHA", "Beta", "RetryPolicy", "echo"]
    from jet_store.retry import RetryPolicy

    assert package.RetryPolicy is RetryPolicy  # re-exported from another package
    for name in package.__all__:
        assert getattr(package, name) is not None
    assert set(package.__all__) <= set(dir(package))
    assert "__version__" in dir(package) and "__doc__" in dir(package)


def test_star_import_and_from_import(make_package: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {make_package} import *", namespace)
    assert {"shout", "ALPHA", "Beta", "RetryPolicy", "echo", "__version__"} <= set(namespace)
    module = importlib.import_module(make_package)
    assert namespace["Beta"] is module.Beta


def test_a_name_that_is_a_submodule_stays_the_function(make_package: str) -> None:
    package = importlib.import_module(make_package)
    importlib.import_module(f"{make_package}.echo")  # importing the submodule again changes nothing
    assert callable(package.echo) and package.echo("x") == "x"


def test_submodules_are_reachable_as_attributes(make_package: str) -> None:
    package = importlib.import_module(make_package)
    assert package.extra.VALUE == 7  # as when the package imported every module
    assert "extra" in _loaded(make_package)


def test_unknown_names_raise_attribute_error(make_package: str) -> None:
    package = importlib.import_module(make_package)
    with pytest.raises(AttributeError, match=f"module '{make_package}' has no attribute 'nothing'"):
        _ = package.nothing
    assert not hasattr(package, "__wrapped__")
    assert _loaded(make_package) == {"echo"}


def test_eager_import_loads_everything_at_once(make_package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EAGER_IMPORT", "1")  # lazy_loader's switch (SPEC 1): finds import cycles early
    importlib.import_module(make_package)
    assert _loaded(make_package) == {"alpha", "beta", "echo"}


def test_a_name_loaded_once_is_kept_in_the_namespace(make_package: str) -> None:
    package = importlib.import_module(make_package)
    assert "shout" not in vars(package)
    shout = package.shout
    assert vars(package)["shout"] is shout


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("from .a import *", "star imports"),
        ("from .a import x as y", "rename"),
        ("from . import a", "unsupported import"),
        ("__all__ = sorted(['a'])", "literal"),
        ("__all__ = ['a', 1]", "list of strings"),
    ],
)
def test_bad_stubs_are_refused(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_stub(source)


def test_read_stub_extends_all() -> None:
    stub = read_stub("from .a import x\n__all__ = ['x']\n__all__ += ['y']")
    assert stub.names == ["x", "y"]
