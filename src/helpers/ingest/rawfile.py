"""One source file as read: its columns as text and where each row came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from helpers.ingest.errors import IngestError

__all__ = ["RawFile", "no_data_rows"]


@dataclass
class RawFile:
    """One source file as read: its columns (mostly strings) and where each row came from."""

    path: Path
    name: str  # display name used in messages and in source_file
    table: pa.Table  # one column per header field, named as in the header
    rows: np.ndarray  # int64 source row (line number in the file; header = 1) per table row
    bad_rows: list[dict[str, Any]] = field(default_factory=list)  # rows the reader could not split
    meta: dict[str, Any] = field(default_factory=dict)  # format, encoding, delimiter, sheet ...

    @property
    def records(self) -> int:
        """Data rows in the file: split rows plus rows the reader had to reject."""
        return self.table.num_rows + len(self.bad_rows)


def no_data_rows(name: str, row: int) -> IngestError:
    """The error of a file with a header and no data row.

    Parameters
    ----------
    name
        The file's display name.
    row
        The row where data should start.

    Returns
    -------
    IngestError
        To raise.
    """
    return IngestError(
        f"{name}: row {row}: only a header line, no data rows (expected at least one "
        "data row after the header)"
    )
