"""A line's position in its order, counted a chunk at a time: its place in the chunk plus before.

A table read in chunks numbers the lines of an order (``line_no``, where the export gives none)
as a whole read does: 1, 2, 3 ... in file order. Each chunk gives every row its place among the
chunk's rows of the same order and lists the chunk's orders with their line counts; an order
that also has lines in earlier chunks then adds those lines' count (found on the engine from the
lists, in bounded memory). Nothing holds every line or every order at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["LinesBefore", "chunk_positions", "lines_before_query", "place"]

#: the order lists' table on the engine, and the query of the orders with lines in earlier
#: chunks: per (chunk, order) the lines the order has in the chunks before it
lines_before_query = """
WITH several AS (SELECT order_id FROM orders GROUP BY order_id HAVING count(*) > 1)
SELECT _chunk, order_id, CAST(sum(lines) OVER (PARTITION BY order_id ORDER BY _chunk
       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT) AS before
FROM orders SEMI JOIN several ON orders.order_id IS NOT DISTINCT FROM several.order_id
QUALIFY before IS NOT NULL
ORDER BY _chunk
"""


def chunk_positions(order_ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Table]:
    """Each row's place among the rows of its order in one chunk, and the chunk's orders.

    Parameters
    ----------
    order_ids
        The chunk's order ids in file order (null is an order of its own, as a whole read
        groups it).

    Returns
    -------
    (positions, orders)
        ``positions``: int64, 1 for an order's first row in the chunk, 2 for its second ...;
        ``orders``: one row per distinct order id, ``order_id`` and ``lines`` (its rows in
        the chunk).
    """
    ids = order_ids.combine_chunks() if isinstance(order_ids, pa.ChunkedArray) else order_ids
    encoded = pc.dictionary_encode(ids, null_encoding="encode")
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ranks = np.arange(len(codes), dtype=np.int64) - np.repeat(starts, counts)
    positions = np.empty(len(codes), np.int64)
    positions[order] = ranks + 1
    orders = pa.table({"order_id": encoded.dictionary, "lines": pa.array(counts, pa.int64())})
    return positions, orders


_NONE_BEFORE = pa.table({"order_id": pa.array([], pa.string()), "before": pa.array([], pa.int64())})


class LinesBefore:
    """The lines each order has in earlier chunks, read chunk by chunk in chunk order.

    Parameters
    ----------
    batches
        The rows of :data:`lines_before_query` (``_chunk``, ``order_id``, ``before``) in
        chunk order; only orders with lines in an earlier chunk are listed.
    """

    def __init__(self, batches: Iterator[pa.RecordBatch]):
        self._batches = batches
        self._held: list[pa.Table] = []
        self._done = False

    def of_chunk(self, chunk: int) -> pa.Table:
        """The (``order_id``, ``before``) rows of ``chunk``; earlier chunks are let go."""
        while not self._done and not self._past(chunk):
            batch = next(self._batches, None)
            if batch is None:
                self._done = True
            elif batch.num_rows:
                self._held.append(pa.Table.from_batches([batch]))
        if not self._held:
            return _NONE_BEFORE
        held = pa.concat_tables(self._held)
        chunks = held.column("_chunk")
        self._held = [held.filter(pc.greater(chunks, chunk))]
        return held.filter(pc.equal(chunks, chunk)).select(["order_id", "before"])

    def _past(self, chunk: int) -> bool:
        """Whether the rows held reach beyond ``chunk`` (so all of its rows are held)."""
        if not self._held:
            return False
        last = self._held[-1].column("_chunk")
        return len(last) > 0 and last[-1].as_py() > chunk


def place(positions: np.ndarray, order_ids: pa.Array, before: pa.Table) -> np.ndarray:
    """Positions in the whole table: the chunk's ``positions`` plus the lines ``before``.

    Parameters
    ----------
    positions
        What :func:`chunk_positions` gave the chunk's rows.
    order_ids
        The chunk's order ids.
    before
        What :meth:`LinesBefore.of_chunk` gave for the chunk.

    Returns
    -------
    numpy.ndarray
        int64 positions, counted from the first line of each order in the whole table.
    """
    if not before.num_rows:
        return positions
    where = pc.index_in(order_ids, value_set=before.column("order_id"), skip_nulls=False)
    found = pc.fill_null(where, -1).to_numpy()
    counts = before.column("before").to_numpy()
    present = found >= 0
    extra = np.zeros(len(positions), np.int64)
    extra[present] = counts[found[present]]
    return positions + extra
