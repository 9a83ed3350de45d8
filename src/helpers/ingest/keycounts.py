"""Keys seen more than once in a table read in chunks, found in bounded memory.

Each chunk's 64-bit keys (row hashes, order-id hashes) are counted in the chunk
(:func:`count_keys`), then spread over buckets on disk by their value, so a bucket holds every
occurrence of its keys; the keys seen more than once are then found a bucket at a time
(:meth:`KeyCounts.repeated`). Memory holds one chunk's keys while reading and one bucket's
while counting, whatever the number of lines: the buckets are as many as the table's source
files are large (:func:`bucket_count`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["BUCKET_BYTES", "Counted", "KeyCounts", "bucket_count", "count_keys", "is_in"]

#: source bytes per bucket: a CSV line of ~70 bytes is one key of 16 bytes on disk, so a bucket
#: of 128 MiB of CSV holds ~2 million keys (~30 MB) and a Parquet source (fewer bytes a line)
#: a few times more
BUCKET_BYTES = 128 << 20
#: a key and how often it occurs, as written to a bucket
_RECORD = np.dtype([("key", "<i8"), ("count", "<i8")])


@dataclass
class Counted:
    """One chunk's distinct keys in ascending order, with how often each occurs in the chunk."""

    keys: np.ndarray  # int64, ascending, distinct
    counts: np.ndarray  # int64, one per key


def count_keys(keys: np.ndarray) -> Counted:
    """A chunk's keys counted (sorting: run it where the chunk is validated, off the main thread).

    Parameters
    ----------
    keys
        int64 keys, one per row.

    Returns
    -------
    Counted
        The distinct keys, ascending, and their counts.
    """
    distinct, counts = np.unique(np.asarray(keys, dtype=np.int64), return_counts=True)
    return Counted(distinct, counts.astype(np.int64))


def is_in(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Which ``values`` occur in ``ascending`` (sorted keys): a binary search each.

    Unlike :func:`numpy.isin`, which sorts both arrays at every call, this costs a chunk's
    values times log of the keys, however many chunks ask.
    """
    if not len(ascending):
        return np.zeros(len(values), bool)
    places = np.minimum(np.searchsorted(ascending, values), len(ascending) - 1)
    return ascending[places] == values


def bucket_count(source_bytes: int) -> int:
    """How many buckets keep one bucket's keys small: one per :data:`BUCKET_BYTES` of source."""
    return max(1, math.ceil(source_bytes / BUCKET_BYTES))


class KeyCounts:
    """Keys counted chunk by chunk into buckets on disk, per group (e.g. per source file).

    Parameters
    ----------
    folder
        Where the buckets are written (created; removed with the caller's work folder).
    buckets
        How many buckets each group's keys are spread over (by value: equal keys share one).
    """

    def __init__(self, folder: Path, buckets: int):
        self.folder, self.buckets = Path(folder), max(1, int(buckets))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._edges = np.array(  # bucket b holds keys from -2**63 + b * 2**64 / buckets on
            [-(2**63) + b * 2**64 // self.buckets for b in range(1, self.buckets)], dtype=np.int64
        )

    def _path(self, group: int, bucket: int) -> Path:
        return self.folder / f"{group}-{bucket}.keys"

    def add(self, group: int, counted: Counted) -> None:
        """Append one chunk's counted keys to the group's buckets (one writer at a time)."""
        if not len(counted.keys):
            return
        records = np.empty(len(counted.keys), _RECORD)
        records["key"], records["count"] = counted.keys, counted.counts
        cuts = np.searchsorted(counted.keys, self._edges, side="left")
        for bucket, part in enumerate(np.split(records, cuts)):
            if len(part):
                with open(self._path(group, bucket), "ab") as sink:
                    part.tofile(sink)

    def repeated(self, group: int) -> np.ndarray:
        """The group's keys that occur more than once in all its chunks together.

        Returns
        -------
        numpy.ndarray
            int64 keys, ascending.
        """
        found = []
        for bucket in range(self.buckets):
            path = self._path(group, bucket)
            if not path.exists():
                continue
            records = np.fromfile(path, _RECORD)
            order = np.argsort(records["key"])
            keys, counts = records["key"][order], records["count"][order]
            del records, order
            starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
            totals = np.add.reduceat(counts, starts)
            found.append(keys[starts[totals > 1]])
        return np.concatenate(found) if found else np.array([], np.int64)
