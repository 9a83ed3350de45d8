"""Tests of helpers.ingest.positions: lines numbered chunk by chunk as a whole read numbers them."""

from __future__ import annotations

from itertools import pairwise

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.ingest.positions import LinesBefore, chunk_positions, lines_before_query, place


def _whole(order_ids: list[str | None]) -> np.ndarray:
    """Positions as a whole read gives them: 1, 2, 3 ... per order in file order."""
    codes, _ = pd.factorize(pd.Series(order_ids, dtype=object), use_na_sentinel=False)
    return pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1


def _chunked(order_ids: list[str | None], cuts: list[int]) -> np.ndarray:
    """Positions counted chunk by chunk: in-chunk places plus the lines before (DuckDB)."""
    bounds = [0, *sorted(set(cuts)), len(order_ids)]
    pieces = [pa.array(order_ids[a:b], pa.string()) for a, b in pairwise(bounds)]
    places, lists = [], []
    for index, piece in enumerate(pieces):
        positions, orders = chunk_positions(piece)
        places.append(positions)
        lists.append(
            orders.append_column("_chunk", pa.array([index] * orders.num_rows, pa.int32()))
        )
    con = duckdb.connect()
    con.register("orders", pa.concat_tables(lists))
    before = LinesBefore(iter(con.execute(lines_before_query).to_arrow_reader(2)))
    out = [place(places[i], pieces[i], before.of_chunk(i)) for i in range(len(pieces))]
    return np.concatenate(out) if out else np.array([], np.int64)


def test_places_in_a_chunk_count_each_order_from_one() -> None:
    positions, orders = chunk_positions(pa.array(["a", "b", "a", None, "a", None]))
    assert positions.tolist() == [1, 1, 2, 1, 3, 2]
    assert orders.to_pydict() == {"order_id": ["a", "b", None], "lines": [3, 1, 2]}


def test_an_order_spread_over_chunks_continues_its_count() -> None:
    ids = ["a", "b", "a", "c", "a", "b", None, "a", None]
    assert _chunked(ids, [2, 5, 7]).tolist() == _whole(ids).tolist()
    assert _chunked(ids, [2, 5, 7]).tolist() == [1, 1, 2, 1, 3, 2, 1, 4, 2]


def test_an_order_listed_only_in_one_chunk_is_left_as_is() -> None:
    positions = np.array([1, 2, 1])
    before = pa.table({"order_id": ["z"], "before": pa.array([5], pa.int64())})
    assert place(positions, pa.array(["a", "a", "b"]), before).tolist() == [1, 2, 1]
    assert place(positions, pa.array(["a", "z", "b"]), before).tolist() == [1, 7, 1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["o1", "o2", "o3", "o4", None]), min_size=1, max_size=60),
    st.lists(st.integers(1, 59), max_size=6),
)
def test_positions_do_not_depend_on_where_the_chunks_are_cut(
    ids: list[str | None], cuts: list[int]
) -> None:
    cuts = [cut for cut in cuts if cut < len(ids)]
    assert _chunked(ids, cuts).tolist() == _whole(ids).tolist()
