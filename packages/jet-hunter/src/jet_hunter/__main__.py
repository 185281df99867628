"""``python -m jet_hunter`` runs the command line."""

from jet_hunter.cli import console

console()
