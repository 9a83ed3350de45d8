"""helpers.clv._codes: the sorted-key factorize gives pandas.factorize's answer, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.clv._codes import factorize


def _assert_same_as_pandas(values: pd.Series) -> None:
    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values)
    np.testing.assert_array_equal(codes, want_codes)
    pd.testing.assert_index_equal(uniques, want_uniques)


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["b", "a", None, "b"], dtype="str"),
        pd.Series(["b", "a", None, "b", np.nan], dtype=object),
        pd.Series(["a\0", "a", "", "a\0", ""], dtype="str"),  # NUL bytes and empty strings
        pd.Series(["é" * 7, "é" * 7 + "x", "é" * 7, "日本"], dtype="str"),  # multi-byte UTF-8
        pd.Series(["customer-000001", "customer-000002", "customer-000001"], dtype="str"),
        pd.Series([None, None], dtype="str"),
        pd.Series([], dtype="str"),
        pd.Series([3, 1, 3, -(2**63)], dtype=np.int64),
        pd.Series([-1, 1, -1], dtype=np.int8),
        pd.Series([2**63 + 5, 1, 2**63 + 5], dtype=np.uint64),
        pd.Series([3, None, 1], dtype="Int64"),  # nullable integers: pandas.factorize itself
        pd.Series(pd.Categorical(["x", "y", None, "x"], categories=["y", "x", "z"])),
        pd.Series([1.5, 1.5, np.nan]),  # floats: pandas.factorize itself
        pd.Series(["a", 1, "a"], dtype=object),  # mixed objects: pandas.factorize itself
    ],
    ids=[
        "str",
        "object",
        "nul-bytes",
        "utf8",
        "long",
        "all-missing",
        "empty",
        "int64",
        "int8",
        "uint64",
        "Int64",
        "categorical",
        "float",
        "mixed",
    ],
)
def test_factorize_matches_pandas_on_each_dtype(values: pd.Series) -> None:
    _assert_same_as_pandas(values)


TEXT = st.text(alphabet=st.sampled_from(["a", "b", "\0", "é", "日", "0"]), max_size=20)


@settings(max_examples=150, deadline=None)
@given(
    pool=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=30),
    picks=st.lists(st.integers(0, 29), max_size=200),
    dtype=st.sampled_from(["str", "object"]),
)
def test_factorize_matches_pandas_on_any_strings(pool, picks, dtype) -> None:
    values = pd.Series([pool[i % len(pool)] for i in picks], dtype=dtype)
    _assert_same_as_pandas(values)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=200))
def test_factorize_matches_pandas_on_any_integers(values) -> None:
    _assert_same_as_pandas(pd.Series(values, dtype=np.int64))


def test_factorize_falls_back_when_two_strings_share_a_hash(monkeypatch) -> None:
    import helpers.clv._codes as codes_module

    monkeypatch.setattr(codes_module, "_mix", lambda keys: keys & np.uint64(0))  # all collide
    _assert_same_as_pandas(pd.Series(["customer-1", "customer-2", "customer-1"], dtype="str"))


@settings(max_examples=150, deadline=None)
@given(
    pool=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=30),
    picks=st.lists(st.integers(0, 29), min_size=1, max_size=200),
    cuts=st.lists(st.integers(0, 200), max_size=4),
    block=st.sampled_from([1, 2, 5, 1 << 18]),
)
def test_factorize_matches_pandas_on_chunked_columns(pool, picks, cuts, block) -> None:
    """Arrow chunks (sliced ones too) and row blocks of any size give the same codes."""
    import helpers.clv._codes as codes_module

    column = pd.Series([pool[i % len(pool)] for i in picks], dtype="str")
    bounds = sorted(min(cut, len(column)) for cut in cuts)
    pieces = [column.iloc[a:b] for a, b in zip([0, *bounds], [*bounds, len(column)], strict=True)]
    values = pd.concat(pieces, ignore_index=True)  # one Arrow chunk a piece
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codes_module, "_BLOCK", block)
        _assert_same_as_pandas(values)
