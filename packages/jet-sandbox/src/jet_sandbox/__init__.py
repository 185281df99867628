"""jet-sandbox: local replicas of HEK, SSW, JSOC and Panoptes with fault injection, for offline tests and the demo (arrives with issues 3-5).

Examples
--------
>>> import jet_sandbox
>>> jet_sandbox.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
