"""Tests of helpers.ingest.keycounts: keys seen more than once, counted chunk by chunk on disk."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.ingest.keycounts import BUCKET_BYTES, KeyCounts, bucket_count, count_keys, is_in

INT64 = np.iinfo(np.int64)


def _whole(keys: list[int]) -> list[int]:
    """The keys occurring more than once, counted all at once."""
    distinct, counts = np.unique(np.array(keys, np.int64), return_counts=True)
    return distinct[counts > 1].tolist()


def _chunked(folder: Path, keys: list[int], cuts: list[int], buckets: int) -> list[int]:
    """The same, counted a chunk at a time into ``buckets`` buckets on disk."""
    counts = KeyCounts(folder, buckets)
    bounds = [0, *sorted(set(cuts)), len(keys)]
    for start, end in pairwise(bounds):
        counts.add("g", count_keys(np.array(keys[start:end], np.int64)))
    return counts.repeated("g").tolist()


def test_a_key_repeated_within_a_chunk_or_across_chunks_is_found(tmp_path: Path) -> None:
    keys = [5, 7, 5, 9, -3, 11, 9, INT64.min, INT64.max, INT64.max]
    assert _chunked(tmp_path, keys, [3, 6], buckets=4) == [5, 9, INT64.max]


def test_groups_are_counted_apart(tmp_path: Path) -> None:
    counts = KeyCounts(tmp_path, 3)
    counts.add("a", count_keys(np.array([1, 2], np.int64)))
    counts.add("b", count_keys(np.array([2, 3, 3], np.int64)))
    counts.add("a", count_keys(np.array([], np.int64)))
    assert counts.repeated("a").tolist() == []
    assert counts.repeated("b").tolist() == [3]
    assert counts.repeated("none").tolist() == []


@given(st.lists(st.integers(-9, 9), max_size=30), st.lists(st.integers(-9, 9), max_size=30))
def test_is_in_agrees_with_numpy(values: list[int], keys: list[int]) -> None:
    ascending = np.unique(np.array(keys, np.int64))
    found = is_in(np.array(values, np.int64), ascending)
    assert found.tolist() == np.isin(values, keys).tolist()


@pytest.mark.parametrize(
    ("source_bytes", "buckets"), [(0, 1), (BUCKET_BYTES, 1), (BUCKET_BYTES + 1, 2)]
)
def test_buckets_grow_with_the_source(source_bytes: int, buckets: int) -> None:
    assert bucket_count(source_bytes) == buckets


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(st.integers(-5, 5), st.integers(INT64.min, INT64.max)), min_size=0, max_size=80
    ),
    st.lists(st.integers(1, 79), max_size=6),
    st.integers(1, 9),
)
def test_chunked_counts_equal_whole_counts(
    tmp_path_factory: pytest.TempPathFactory, keys: list[int], cuts: list[int], buckets: int
) -> None:
    folder = tmp_path_factory.mktemp("keys")
    cuts = [cut for cut in cuts if cut < len(keys)]
    assert _chunked(folder, keys, cuts, buckets) == _whole(keys)
