"""Lazy package namespaces: a package's public names are imported on first use (PEP 562).

A package's ``__init__.pyi`` holds its public imports (``from .query import HekQuery``,
or ``from jet_store.retry import RetryPolicy`` for a name re-exported from another
package) and its ``__all__``. mypy reads that stub; at run time the package's
``__init__.py`` is one call, ``__getattr__, __dir__, __all__ = attach_stub(__name__,
__file__)``, which reads the same file, so the imports are written once. The loading is
``lazy_loader.attach``'s (scientific-python SPEC 1: ``EAGER_IMPORT=1`` imports
everything at once, to find import cycles); this module adds what our packages need
beyond it:

* ``__all__`` is the stub's, in its order, including names the package defines itself
  (``__version__``, service URLs), and ``dir()`` lists them with the module's globals;
* names re-exported from another package (absolute imports in the stub);
* a name loaded once is kept in the package's namespace (later look-ups cost nothing);
* ``package.submodule`` works without importing the submodule first, as it did when the
  package imported all of them;
* a public name that is also a submodule's name (``jet_render.encode``, a function in
  ``jet_render/encode.py``) is imported at once: importing the submodule anywhere would
  otherwise bind the module to that name in the package.

Examples
--------
>>> from jet_store.lazy import read_stub
>>> stub = read_stub("from .a import x, y\\nfrom jet_store.retry import RetryPolicy\\n__all__ = ['x', 'y']")
>>> stub.relative, stub.absolute, stub.names
({'a': ['x', 'y']}, {'RetryPolicy': 'jet_store.retry'}, ['x', 'y'])
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lazy_loader

__all__ = ["LazyStub", "read_stub", "attach_stub"]


@dataclass
class LazyStub:
    """What a package stub declares.

    Attributes
    ----------
    relative : dict
        Submodule (relative to the package) -> the names imported from it.
    absolute : dict
        Name -> the module of another package it is re-exported from.
    names : list of str
        The stub's ``__all__``, in order.
    """

    relative: dict[str, list[str]] = field(default_factory=dict)
    absolute: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)


def _all_items(value: ast.expr) -> list[str]:
    try:
        items = ast.literal_eval(value)
    except ValueError:
        items = None
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ValueError("__all__ in a package stub must be a literal list of strings")
    return list(items)


def read_stub(source: str) -> LazyStub:
    """Parse a package stub's text: its imports and its ``__all__``.

    Raises
    ------
    ValueError
        For a star import, an import of a name with another name (``as``) or a
        ``__all__`` that is not a literal list.

    Examples
    --------
    >>> read_stub("from .a import *")
    Traceback (most recent call last):
    ...
    ValueError: package stubs cannot use star imports (from a import *)
    """
    stub = LazyStub()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    raise ValueError(f"package stubs cannot use star imports (from {node.module} import *)")
                if alias.asname not in (None, alias.name):
                    raise ValueError(f"package stubs cannot rename imports ({alias.name} as {alias.asname})")
                if node.level == 1 and node.module:
                    stub.relative.setdefault(node.module, []).append(alias.name)
                elif node.level == 0 and node.module:
                    stub.absolute[alias.name] = node.module
                else:
                    raise ValueError(f"unsupported import in a package stub: {ast.unparse(node)}")
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value:
                items = _all_items(node.value)
                stub.names = stub.names + items if isinstance(node, ast.AugAssign) else items
    return stub


def _is_submodule(package_name: str, name: str) -> bool:
    if name.startswith("__") or not name.isidentifier():
        return False
    return importlib.util.find_spec(f"{package_name}.{name}") is not None


def attach_stub(
    package_name: str, filename: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """The lazy ``__getattr__``, ``__dir__`` and ``__all__`` of a package, from its ``__init__.pyi``.

    Parameters
    ----------
    package_name : str
        The package's ``__name__``.
    filename : str
        The package's ``__file__`` (the stub is the ``.pyi`` beside it).

    Examples
    --------
    >>> import jet_store
    >>> "Store" in jet_store.__all__ and "Store" in dir(jet_store)
    True
    >>> jet_store.no_such_name
    Traceback (most recent call last):
    ...
    AttributeError: module 'jet_store' has no attribute 'no_such_name'
    """
    stub = read_stub(Path(filename).with_suffix(".pyi").read_text("utf-8"))
    package = sys.modules[package_name]
    relative = {name for names in stub.relative.values() for name in names}
    load_relative, _, _ = lazy_loader.attach(package_name, submod_attrs=stub.relative)

    def getattr_(name: str) -> Any:
        if name in relative:
            value = load_relative(name)
        elif name in stub.absolute:
            value = getattr(importlib.import_module(stub.absolute[name]), name)
        elif _is_submodule(package_name, name):
            return importlib.import_module(f"{package_name}.{name}")
        else:
            raise AttributeError(f"module {package_name!r} has no attribute {name!r}")
        setattr(package, name, value)
        return value

    def dir_() -> list[str]:
        return sorted(set(vars(package)) | set(stub.names))

    # a public name that is also a submodule's: imported now (see the module's docstring)
    for module, names in stub.relative.items():
        if module in names:
            getattr_(module)
    if os.environ.get("EAGER_IMPORT", "") not in ("", "0"):  # lazy_loader's switch, for every name
        for name in sorted(relative | stub.absolute.keys()):
            getattr_(name)
    return getattr_, dir_, list(stub.names)
