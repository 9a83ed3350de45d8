"""Ingest: raw exports -> validated canonical tables (Parquet), a rejects file and a reconciliation.

Modules, in the order a file passes through them: ``parsing`` (reading files and parsing values),
``pipeline`` (column matching, validation, reconciliation, orchestration).
"""

from helpers.ingest.pipeline import *  # noqa: F403
from helpers.ingest.pipeline import __all__  # noqa: F401
