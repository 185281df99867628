"""The static HTML report of the jet catalogue (``jet-hunter report --out DIR``).

Modules: :mod:`~jet_hunter.report.model` (what is shown, read from the store),
:mod:`~jet_hunter.report.frames` (flipbook frames with the aggregation drawn on them),
:mod:`~jet_hunter.report.plots` (matplotlib figures) and
:mod:`~jet_hunter.report.build` (templates, assets, the folder). It lives in the
meta-package because it is the end of the whole chain: it reads the catalogue
(jet-aggregate), the marks and subjects (zoo-bridge's records), the frames and
overlays (jet-render), and needs jinja2 and matplotlib, which no lower package should
carry.

Examples
--------
>>> from jet_hunter.report import build_report, TABLE_COLUMNS
>>> TABLE_COLUMNS[0].key, callable(build_report)
('sjh_ID', True)
"""

from jet_store.lazy import attach_stub

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
