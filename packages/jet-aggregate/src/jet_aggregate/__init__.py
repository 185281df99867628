"""jet-aggregate: turn volunteers' points and boxes into jets with uncertainties, and a catalogue (arrives with a later issue).

Examples
--------
>>> import jet_aggregate
>>> jet_aggregate.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
