"""jet-aggregate: volunteers' points and boxes -> jets with uncertainties -> a catalogue.

The aggregation arrives with a later issue; this release reserves the package.

Examples
--------
>>> import jet_aggregate
>>> jet_aggregate.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
