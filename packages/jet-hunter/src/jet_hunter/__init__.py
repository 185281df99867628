"""jet-hunter: from HEK jet reports to Zooniverse subjects, and back to a jet catalogue.

This meta-package holds the ``jet-hunter`` command line, the configuration and the
pipeline that wires the other packages together.

Examples
--------
>>> import jet_hunter
>>> jet_hunter.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
