"""Customer codes by one integer sort: ``pandas.factorize``'s answer without its hash table.

``pandas.factorize`` probes a hash table once per row; with a million customers the table outgrows
the cache and each probe waits on memory (7.1 of the 8.8 s the RFM summary of 10M transactions
took with it, measured with cProfile on the 2-core benchmark machine).
Here every value becomes a 64-bit key (an integer as it is, a string's UTF-8 bytes packed or hashed,
a categorical's code), the keys are mixed by splitmix64's bijective finaliser, sorted once, and each
row finds its rank with one lookup in a table indexed by the key's top bits: independent gathers that
the processor overlaps, where a hash probe or a binary search waits on each step.
The row-wise passes run in blocks of ``_BLOCK`` rows into scratch arrays made once: whole-column
temporaries each took fresh pages that the kernel zeroes (system time was 1.0-1.3 s of the
2.3-2.6 s CPU time of the RFM summary of 10M transactions in a fresh process on the shared 2-core
machine; 0.3-0.4 s once the passes ran in blocks and Arrow's string chunks were read in place).

Reference: G. L. Steele, D. Lea and C. H. Flood, "Fast splittable pseudorandom number generators",
OOPSLA 2014 (the splitmix64 finaliser).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Encoded", "encode", "factorize", "sorted_distinct"]

#: the low k bytes of a 64-bit word, k = 0..8
_BYTE_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
#: rows per block of a row-wise pass (temporaries of 2 MB)
_BLOCK = 1 << 18


class _Keys(NamedTuple):
    """64-bit keys of the present values, which rows they are, and whether keys are exact."""

    keys: np.ndarray  # uint64, one per present value
    rows: np.ndarray | None  # positions of the present values (None: every row)
    same: Callable[[np.ndarray], bool] | None  # None: keys one-to-one with values
    owned: bool  # whether ``keys`` is a new array that may be overwritten


class Encoded(NamedTuple):
    """Each row's rank among the distinct values, and how to order and name the ranks."""

    ranks: np.ndarray  # intp, one per row: its value's rank (any order), -1 where missing
    first_seen: np.ndarray  # one per rank: sorting by it orders ranks by first appearance
    uniques: Callable[[np.ndarray], pd.Index]  # the values of the given ranks


def factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and distinct values in order of first appearance, exactly as ``pandas.factorize``.

    Parameters
    ----------
    values
        A column of strings (Arrow-backed, Python or object dtype), integers or a categorical;
        any other dtype, and any key collision, is handed to ``pandas.factorize``.

    Returns
    -------
    codes : ndarray of intp
        One per row: the position of the row's value in ``uniques``, -1 where it is missing.
    uniques : Index
        The distinct present values, in the order they first appear.
    """
    found = _encode_keys(values)
    if found is None:
        return pd.factorize(values)
    order = np.argsort(found.first_seen)
    relabel = np.empty(len(order) + 1, dtype=np.intp)  # the last slot is rank -1's: missing
    relabel[order] = np.arange(len(order), dtype=np.intp)
    relabel[-1] = -1
    return relabel.take(found.ranks), found.uniques(order)


def encode(values: pd.Series) -> Encoded:
    """Each row's rank among the column's distinct values, without ordering them.

    :func:`factorize` less its last pass over the rows: a caller that only needs the distinct
    values in order of first appearance at the end can sort its per-rank results instead.

    Parameters
    ----------
    values
        Any column, as in :func:`factorize`.

    Returns
    -------
    Encoded
        ranks (one per row, -1 where missing), first_seen (one per rank: sorting by it gives
        the order of first appearance) and uniques (ranks to the values, an Index).
    """
    found = _encode_keys(values)
    if found is not None:
        return found
    codes, uniques = pd.factorize(values)  # codes already in order of first appearance
    return Encoded(codes, np.arange(len(uniques), dtype=np.intp), uniques.take)


def _encode_keys(values: pd.Series) -> Encoded | None:
    """:func:`encode` by 64-bit keys; None when the dtype has none or two values share a key."""
    found = _keys(values) if len(values) else None
    if found is None:
        return None
    ranks, n_distinct = _ranks(found.keys, found.owned)
    first = _first_rows(ranks, n_distinct)
    if found.same is not None and not found.same(first[ranks]):
        return None  # two values share a hash: never seen, still handled
    rows = found.rows
    if rows is not None:
        present, ranks = ranks, np.full(len(values), -1, dtype=np.intp)
        ranks[rows] = present

    def uniques(wanted: np.ndarray) -> pd.Index:
        """The values of the ranks ``wanted``."""
        return pd.Index(values.array.take(_take(rows, first[wanted])), dtype=values.dtype)

    return Encoded(ranks, first, uniques)


def _take(rows: np.ndarray | None, positions: np.ndarray) -> np.ndarray:
    """Row numbers of positions among the present values."""
    return positions if rows is None else rows[positions]


def _first_rows(ranks: np.ndarray, n_distinct: int) -> np.ndarray:
    """The first position of each rank."""
    first = np.full(n_distinct, len(ranks), dtype=np.intp)
    steps = np.arange(min(len(ranks), _BLOCK), dtype=np.intp)
    positions = np.empty_like(steps)
    for start in range(0, len(ranks), _BLOCK):
        block = ranks[start : start + _BLOCK]
        np.add(steps[: len(block)], start, out=positions[: len(block)])
        np.minimum.at(first, block, positions[: len(block)])
    return first


def _ranks(keys: np.ndarray, owned: bool) -> tuple[np.ndarray, int]:
    """Each key's rank among the distinct keys (in mixed order), and how many are distinct.

    The keys are mixed in place (in a copy unless ``owned``), then each block's ranks are
    written over its mixed keys: the one row-sized array besides the sorted copy. A key
    alone in its bucket (its top bits) has the bucket's rank: one lookup, nothing to compare.
    """
    mixed = keys if owned else keys.copy()
    scratch = np.empty(min(len(mixed), _BLOCK), dtype=np.uint64)
    for start in range(0, len(mixed), _BLOCK):
        _mix_in_place(mixed[start : start + _BLOCK], scratch)
    distinct = sorted_distinct(mixed)
    bits = len(distinct).bit_length() + 1  # 2x-4x the distinct keys: most alone in a bucket
    shift = np.uint64(64 - bits)
    table = _bucket_table(distinct >> shift, 1 << bits)
    ranks = mixed.view(np.intp) if mixed.itemsize == np.dtype(np.intp).itemsize else None
    ranks = np.empty(len(mixed), dtype=np.intp) if ranks is None else ranks
    entry, rank = np.empty(len(scratch), dtype=table.dtype), np.empty(len(scratch), np.intp)
    shared = np.empty(len(scratch), dtype=bool)
    for start in range(0, len(mixed), _BLOCK):
        block = mixed[start : start + _BLOCK]
        size = len(block)
        np.right_shift(block, shift, out=scratch[:size])
        np.take(table, scratch[:size].view(np.intp), out=entry[:size])
        np.bitwise_and(entry[:size], 1, out=shared[:size], casting="unsafe")
        np.right_shift(entry[:size], 1, out=rank[:size])
        todo = np.flatnonzero(shared[:size])
        while len(todo):  # keys sharing their bucket: step along it to the key
            todo = todo[distinct.take(rank[todo]) != block[todo]]
            rank[todo] += 1
        ranks[start : start + size] = rank[:size]  # the block's keys are read: overwrite them
    return ranks, len(distinct)


def _bucket_table(buckets: np.ndarray, size: int) -> np.ndarray:
    """Per bucket: twice the rank of its first key, plus one when it holds more than one.

    ``buckets`` are the distinct keys' buckets, ascending; int32 entries when they fit (half
    the cache of 64-bit ones).
    """
    table = np.empty(size, dtype=np.int32 if 2 * len(buckets) < 2**31 else np.intp)
    for start in range(0, size, _BLOCK):
        stop = min(start + _BLOCK, size)
        bounds = np.searchsorted(buckets, np.arange(start, stop + 1, dtype=np.uint64))
        table[start:stop] = 2 * bounds[:-1] + (np.diff(bounds) > 1)
    return table


def sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct keys, ascending (sort and mask: ``np.unique`` hashes in numpy >= 2.3, slower)."""
    ordered = np.sort(keys)
    fresh = np.empty(len(ordered), dtype=bool)
    fresh[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=fresh[1:])
    return ordered[fresh]


def _mix(keys: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of 64-bit integers that spreads their bits."""
    mixed = keys.copy()
    _mix_in_place(mixed, np.empty_like(mixed))
    return mixed


def _mix_in_place(keys: np.ndarray, scratch: np.ndarray) -> None:
    """:func:`_mix` over ``keys`` itself, shifting into ``scratch`` (at least as long)."""
    shifted = scratch[: len(keys)]
    for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB), (31, None)):
        np.right_shift(keys, np.uint64(shift), out=shifted)
        keys ^= shifted
        if factor is not None:
            keys *= np.uint64(factor)


def _keys(values: pd.Series) -> _Keys | None:
    """64-bit keys for integer, categorical and string columns; None for any other dtype."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes, dtype=np.int64)
        rows = np.flatnonzero(codes >= 0) if (codes < 0).any() else None
        present = codes if rows is None else codes[rows]
        return _Keys(present.view(np.uint64), rows, None, False)
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":  # int64 sign-extends: one-to-one
        wide = np.asarray(values).astype(np.int64 if dtype.kind == "i" else np.uint64, copy=False)
        return _Keys(wide.view(np.uint64), None, None, False)
    chunks = _arrow_strings(values)
    return None if chunks is None else _string_keys(chunks)


def _arrow_strings(values: pd.Series) -> list[pa.LargeStringArray] | None:
    """The column's non-empty Arrow large-string chunks, or None when it is not all strings."""
    if sys.byteorder != "little":
        return None
    is_text = isinstance(values.dtype, pd.StringDtype) or values.dtype == object
    if not is_text:
        return None
    try:
        arrow = pa.array(values.array, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    large = pa.large_string()
    return [c if c.type == large else c.cast(large) for c in chunks if len(c)]


def _string_keys(chunks: list[pa.LargeStringArray]) -> _Keys:
    """UTF-8 bytes as keys: packed when at most 8 bytes without NUL, else hashed and checked."""
    rows = None
    if any(chunk.null_count for chunk in chunks):
        rows = np.flatnonzero(np.concatenate([np.asarray(c.is_valid()) for c in chunks]))
    spans = [_offsets_and_bytes(chunk) for chunk in chunks]
    longest = max((int(np.diff(offsets).max()) for offsets, _ in spans), default=0)
    if longest > 8 or any((raw[offsets[0] : offsets[-1]] == 0).any() for offsets, raw in spans):
        return _hashed_keys(pa.chunked_array(chunks).combine_chunks(), rows)
    keys = np.empty(sum(len(offsets) - 1 for offsets, _ in spans), dtype=np.uint64)
    scratch = np.empty(min(len(keys), _BLOCK), dtype=np.int64)
    done = 0
    for offsets, raw in spans:
        for start in range(0, len(offsets) - 1, _BLOCK):
            block = offsets[start : start + _BLOCK + 1]
            _pack(raw, block, keys[done : done + len(block) - 1], scratch)
            done += len(block) - 1
    return _Keys(keys if rows is None else keys[rows], rows, None, True)


def _offsets_and_bytes(strings: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """The string offsets (int64, one more than the strings) and the bytes they point into."""
    _, offsets_buffer, data_buffer = strings.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[strings.offset :][: len(strings) + 1]
    raw = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else None
    return offsets, np.zeros(0, dtype=np.uint8) if raw is None else raw


def _pack(raw: np.ndarray, offsets: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    """Each string's (at most 8) bytes as one little-endian word, bytes past its length zeroed.

    A view of the bytes whose element i is the 8 bytes from byte i gives each word by one
    gather, without copying the bytes; the strings starting in the last 7 bytes read a
    zero-padded copy of them.
    """
    lengths = scratch[: len(out)]
    np.subtract(offsets[1:], offsets[:-1], out=lengths)
    safe = max(len(raw) - 7, 0)  # words starting here or later would read past the bytes
    inside = int(np.searchsorted(offsets[:-1], safe))
    words = np.ndarray((safe,), dtype="<u8", buffer=raw, strides=(1,))
    out[:inside] = words[offsets[:inside]]
    if inside < len(out):
        tail = np.zeros(16, dtype=np.uint8)
        tail[: len(raw) - safe] = raw[safe:]
        tail_words = np.ndarray((8,), dtype="<u8", buffer=tail, strides=(1,))
        out[inside:] = tail_words[offsets[inside:-1] - safe]
    out &= _BYTE_MASKS[lengths]


def _hashed_keys(strings: pa.LargeStringArray, rows: np.ndarray | None) -> _Keys:
    """Strings longer than 8 bytes (or holding NUL) hashed 8 bytes at a time, and checked."""
    offsets, raw = _offsets_and_bytes(strings)
    starts, lengths = offsets[:-1], np.diff(offsets)
    if rows is not None:
        starts, lengths = starts[rows], lengths[rows]
    longest = int(lengths.max()) if len(lengths) else 0
    words = np.zeros(len(raw) // 8 + longest // 8 + 2, dtype=np.uint64)  # no load overruns
    words.view(np.uint8)[: len(raw)] = raw
    keys = lengths.astype(np.uint64)
    for at in range(0, longest, 8):
        keys = _mix(keys ^ _word(words, starts + at, lengths - at))

    def same(positions: np.ndarray) -> bool:
        """Whether the string at each position equals the one at ``positions[i]``."""
        if not np.array_equal(lengths, lengths[positions]):
            return False
        return all(
            np.array_equal(
                _word(words, starts + at, lengths - at),
                _word(words, starts[positions] + at, lengths - at),
            )
            for at in range(0, longest, 8)
        )

    return _Keys(keys, rows, same, True)


def _word(words: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The (up to) 8 bytes at each byte offset, little-endian, bytes past the length zeroed.

    Two aligned loads and two shifts; numpy shifts a 64-bit word by 64 to zero.
    """
    index = starts >> 3
    shift = starts.view(np.uint64) & np.uint64(7)
    shift <<= np.uint64(3)
    word = words.take(index)
    word >>= shift
    index += 1
    high = words.take(index)
    np.subtract(np.uint64(64), shift, out=shift)
    high <<= shift
    word |= high
    word &= _BYTE_MASKS.take(np.clip(lengths, 0, 8))
    return word
