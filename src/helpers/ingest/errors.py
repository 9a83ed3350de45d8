"""The one exception of ingest: a file-level problem that stops the run."""

from __future__ import annotations

__all__ = ["IngestError"]


class IngestError(ValueError):
    """A file-level problem that stops ingest: the message names file, row, column and value.

    Raised for a missing or empty file, a missing required column, undecodable bytes, a bad
    config entry and the like; row-level problems go to the rejects instead.
    """
