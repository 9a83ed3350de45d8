"""Ingest: raw exports -> validated canonical tables (Parquet), a rejects file and a reconciliation.

Modules, in the order a file passes through them:

- ``errors``: :class:`IngestError`, the file-level problem that stops a run;
- ``encodings``, ``sniffing``, ``rawfile``, ``readers``, ``sheets``: a file's encoding, format,
  delimiter and header, then its columns as text (CSV, xlsx / xls / ods, Parquet);
- ``values``, ``dates``: text to numbers, yes/no values and dates, a column at a time;
- ``columns``: a table's options, source files and column mapping;
- ``checks``, ``amounts``, ``suspects``, ``rejects``, ``validation``: one file's row checks,
  order-line amounts, rows that parse but cannot be right, rejects, and the accepted rows;
- ``chunks``, ``tally``, ``positions``, ``keycounts``, ``streaming``: a large order-line export
  read in chunks (lines numbered per order a chunk at a time, keys seen twice found in buckets
  on disk), finished on DuckDB;
- ``loading``: every file of one table;
- ``money``, ``linefigures``, ``reconciliation``, ``quality``, ``keys``, ``coverage``: exact
  totals, the accepted lines' figures added up a batch at a time, rows and revenue balanced to
  the cent, findings and the data dictionary, ids across tables, coverage per month;
- ``pipeline``: the whole dataset in, the outputs written.
"""

from helpers.ingest.columns import source_fields
from helpers.ingest.coverage import plot_monthly_coverage
from helpers.ingest.errors import IngestError
from helpers.ingest.loading import load_table
from helpers.ingest.pipeline import IngestResult, ingest_dataset, read_outputs
from helpers.ingest.reconciliation import RECONCILIATION_COLUMNS
from helpers.ingest.rejects import REJECT_COLUMNS, rejects_by_reason

__all__ = [
    "IngestError",
    "IngestResult",
    "ingest_dataset",
    "load_table",
    "source_fields",
    "REJECT_COLUMNS",
    "RECONCILIATION_COLUMNS",
    "read_outputs",
    "rejects_by_reason",
    "plot_monthly_coverage",
]
