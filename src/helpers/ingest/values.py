"""Parsers of raw values, a whole column at a time: text, numbers, dates and yes/no values.

Everything here works on whole columns (pyarrow compute, numpy); no per-row Python. Parsers
return the typed values plus masks of values that were missing or could not be parsed, so that
ingest can reject those rows with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "parse_strings",
    "parse_numbers",
    "parse_bools",
    "NumberResult",
    "number_core",
    "decimal_evidence",
    "currency_marks",
]

Column = pa.Array | pa.ChunkedArray


def _as_array(values: Column) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _false(size: int) -> pa.Array:
    return pa.array(np.zeros(size, bool))


def _numpy_mask(mask: pa.Array) -> np.ndarray:
    return mask.to_numpy(zero_copy_only=False)


def parse_strings(values: Column) -> pa.Array:
    """Text values trimmed, with empty strings as null; numbers and dates rendered as text.

    Parameters
    ----------
    values
        A column of any type.

    Returns
    -------
    pyarrow.Array
        Strings without surrounding whitespace; null where empty. Whole floats lose ``.0``.
    """
    arr = _as_array(values)
    if pa.types.is_floating(arr.type):
        as_int = pc.cast(arr, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(as_int, pa.float64()), arr)
        arr = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    elif not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    if _may_need_trim(arr):
        arr = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(pc.binary_length(arr), 0)
    if not _any(empty):
        return arr
    return pc.if_else(empty, pa.scalar(None, arr.type), arr)


#: bytes that may begin or end whitespace: ASCII whitespace, and any byte of a non-ASCII
#: character (some, like a no-break space, are whitespace)
_EDGE_BYTES = np.zeros(256, bool)
_EDGE_BYTES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE_BYTES[128:] = True


def _may_need_trim(arr: pa.Array) -> bool:
    """Whether some value may begin or end with whitespace (its first and last bytes looked at).

    An empty or null value points at a neighbour's byte: at worst a needless trim.
    """
    offsets, data = arr.buffers()[1:3]
    text = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    if len(arr) == 0 or len(text) == 0:
        return False
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    bounds = np.frombuffer(offsets, kind)[arr.offset : arr.offset + len(arr) + 1]
    first = _EDGE_BYTES[np.take(text, bounds[:-1], mode="clip")]
    return bool(first.any() or _EDGE_BYTES[np.take(text, bounds[1:] - 1, mode="clip")].any())


# ---- numbers --------------------------------------------------------------------------------
@dataclass
class NumberResult:
    """Parsed numbers: NaN where null or bad."""

    values: np.ndarray
    null: np.ndarray  # no value given
    bad: np.ndarray  # a value was given but is not a number in the column's format
    mixed: np.ndarray  # bad, but a number with the other decimal separator
    decimal: str  # "." or ","
    ambiguous: int = 0  # values readable with either separator (e.g. 1,234) when no evidence
    evidence: bool = False  # some value showed the decimal separator (or it was configured)
    percent: np.ndarray | None = None  # values written with % (read as a fraction); None: none


_SPACES = " \u00a0\u202f'"
_EVIDENCE_SAMPLE = 200_000


def _regex_class(chars: str) -> str:
    return "".join(re.escape(char) if char not in " " else " " for char in chars)


def _valid_pattern(decimal: str, thousands: str) -> str:
    """Regex of a number with this decimal separator and any of these thousands separators."""
    group = f"[{_regex_class(thousands)}]" if thousands else None
    dec = re.escape(decimal)
    intpart = rf"(?:\d+|\d{{1,3}}(?:{group}\d{{3}})+)" if group else r"\d+"
    exp = r"(?:[eE][+-]?\d+)?" if decimal == "." else ""
    return rf"^[+-]?(?:{intpart}(?:{dec}\d*)?{exp}|{dec}\d+{exp})$"


def _thousands_for(decimal: str, thousands: str | None) -> str:
    if thousands in (None, "auto"):
        return ("," if decimal == "." else ".") + _SPACES
    return str(thousands)


def _to_numpy(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, np.nan).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def decimal_evidence(core: pa.Array) -> tuple[int, int, int]:
    """Counts of values that show a '.' decimal, a ',' decimal, or could be either.

    Parameters
    ----------
    core
        Number text stripped of currency, signs and percent (see :func:`number_core`).

    Returns
    -------
    tuple of (int, int, int)
        Values that can only be read with a decimal dot (``12.5``, ``1,234.5``), only with a
        decimal comma (``12,5``, ``1.234,5``), and values that read either way (``1,234``).
    """
    dot = pc.match_substring_regex(core, rf"^[+-]?(?:\d+|\d{{1,3}}(?:[,{_SPACES}]\d{{3}})+)?\.\d+$")
    dot_amb = pc.match_substring_regex(core, r"^[+-]?\d{1,3}(?:\.\d{3})+$")
    com = pc.match_substring_regex(core, rf"^[+-]?(?:\d+|\d{{1,3}}(?:[.{_SPACES}]\d{{3}})+)?,\d+$")
    com_amb = pc.match_substring_regex(core, r"^[+-]?\d{1,3}(?:,\d{3})+$")
    n_dot = pc.sum(pc.and_(dot, pc.invert(dot_amb))).as_py() or 0
    n_com = pc.sum(pc.and_(com, pc.invert(com_amb))).as_py() or 0
    n_amb = pc.sum(pc.or_(dot_amb, com_amb)).as_py() or 0
    return n_dot, n_com, n_amb


def currency_marks(values: Column, currency: Sequence[str], sample: int = 20_000) -> list[str]:
    """The currency words and symbols a column of number text carries (its first rows).

    Parameters
    ----------
    values
        A column of number text (a typed number column carries none).
    currency
        The words and symbols looked for (``ingest.currency_symbols``).
    sample
        Rows looked at.

    Returns
    -------
    list of str
        The marks found, as configured (``["€"]``), longest first; a mark inside a longer one
        found (``$`` in ``US$``) is not listed twice.
    """
    text = values.slice(0, sample) if hasattr(values, "slice") else values
    if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
        return []
    found: list[str] = []
    for word in sorted((w for w in currency if w), key=len, reverse=True):
        if any(word.lower() in longer.lower() for longer in found):
            continue
        if _any(pc.match_substring(text, word, ignore_case=True)):
            found.append(word)
    return found


def _strip_currency(text: pa.Array, currency: Sequence[str]) -> pa.Array:
    """Remove currency words and symbols (longest first, any case) where the column has any."""
    words = [word for word in currency if word]
    if words and _any(pc.match_substring_regex(text, r"[^0-9.,+\-()%\s']")):
        words.sort(key=len, reverse=True)
        pattern = "(?i)(" + "|".join(re.escape(word) for word in words) + ")"
        text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, pattern, ""))
    return text


def _strip_negative_forms(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Remove accounting parentheses ``(12.50)`` and trailing minus ``12.50-``; the negate mask."""
    negate = _false(len(text))
    if _any(pc.starts_with(text, "(")):
        paren = pc.fill_null(pc.match_substring_regex(text, r"^\(.*\)$"), False)
        text = pc.if_else(
            paren, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(text, 1, -1)), text
        )
        negate = paren
    if _any(pc.ends_with(text, "-")):
        trailing = pc.fill_null(pc.match_substring_regex(text, r"^[^+-]*\d-$"), False)
        text = pc.if_else(trailing, pc.utf8_slice_codeunits(text, 0, -1), text)
        negate = pc.or_(negate, trailing)
    return text, negate


def number_core(values: Column, currency: Sequence[str]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Strip currency, sign conventions and percent: (core text, negate mask, percent mask).

    Each convention is looked for with a cheap literal scan first; the regex only runs
    when the column has it.

    Parameters
    ----------
    values
        A column of number text.
    currency
        Currency words and symbols to remove (e.g. ``["€", "EUR", "$"]``).

    Returns
    -------
    tuple of (pyarrow.Array, pyarrow.Array, pyarrow.Array)
        The remaining number text; which values were written negative with parentheses or a
        trailing minus; which ended in ``%``.
    """
    text = _strip_currency(parse_strings(values), currency)
    text, negate = _strip_negative_forms(text)
    percent = _false(len(text))
    if _any(pc.ends_with(text, "%")):
        percent = pc.fill_null(pc.ends_with(text, "%"), False)
        text = pc.if_else(
            percent, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(text, 0, -1)), text
        )
    return text, negate, percent


def _plain_sample(text: pa.Array) -> bool:
    """Whether the first values cast to float as they are (worth trying the fast path)."""
    head = pc.drop_null(text.slice(0, 2000))
    try:
        pc.cast(head, pa.float64())
    except pa.ArrowInvalid:
        return False
    return True


def _typed_numbers(arr: pa.Array) -> NumberResult:
    """Numbers (or booleans) that are typed already: cast to float, nothing bad."""
    floats = pc.cast(arr, pa.float64())
    null = _numpy_mask(pc.is_null(floats))
    size = len(arr)
    return NumberResult(_to_numpy(floats), null, np.zeros(size, bool), np.zeros(size, bool), ".")


_GROUPED_BY_DOT = r"^[+-]?\d{1,3}(?:\.\d{3})+$"


def _dot_shows_decimal(text: pa.Array) -> bool:
    """Whether some value with a dot can only be a decimal dot (not ``1.000`` or ``10.000``)."""
    head = text.slice(0, 2000)
    dotted = pc.fill_null(pc.match_substring(head, "."), False)
    grouped = pc.fill_null(pc.match_substring_regex(head, _GROUPED_BY_DOT), False)
    if _any(pc.and_(dotted, pc.invert(grouped))):
        return True
    dotted = pc.fill_null(pc.match_substring(text, "."), False)
    grouped = pc.fill_null(pc.match_substring_regex(text, _GROUPED_BY_DOT), False)
    return _any(pc.and_(dotted, pc.invert(grouped)))


def _plain_numbers(text: pa.Array, null: np.ndarray) -> NumberResult | None:
    """The fast path: the column casts to float as it is (no separators but a decimal dot)."""
    try:
        floats = _to_numpy(pc.cast(text, pa.float64()))
    except pa.ArrowInvalid:
        return None
    if not np.isfinite(floats[~null]).all():
        return None
    size = len(text)
    dot = bool(pc.any(pc.match_substring(text, ".")).as_py())
    if dot and not _dot_shows_decimal(text):
        return None  # only values like 1.000 or 10.000: a thousands dot as much as a decimal
    return NumberResult(floats, null, np.zeros(size, bool), np.zeros(size, bool), ".", 0, dot)


def _decide_decimal(core: pa.Array, fallback_decimal: str) -> tuple[str, int, bool]:
    """The column's decimal separator from the values that show one: (decimal, ambiguous, evidence).

    A sample decides; on a tie in a long column the whole column does. With no evidence either
    way the fallback holds and the values that read both ways are counted as ambiguous.
    """
    n_dot, n_com, n_amb = decimal_evidence(core.slice(0, _EVIDENCE_SAMPLE))
    if n_dot == n_com and len(core) > _EVIDENCE_SAMPLE:
        n_dot, n_com, n_amb = decimal_evidence(core)
    evidence = n_dot != n_com
    if n_com > n_dot:
        return ",", 0, evidence
    if n_dot > n_com:
        return ".", 0, evidence
    return fallback_decimal, n_amb, evidence


def _convert(core: pa.Array, decimal: str, thousands: str) -> tuple[np.ndarray, np.ndarray]:
    """Values that match the convention as floats (NaN otherwise), and the match mask."""
    valid = pc.fill_null(pc.match_substring_regex(core, _valid_pattern(decimal, thousands)), False)
    clean = core
    for char in thousands:
        if _any(pc.match_substring(clean, char)):
            clean = pc.replace_substring(clean, char, "")
    if decimal == ",":
        clean = pc.replace_substring(clean, ",", ".")
    clean = pc.if_else(valid, clean, pa.scalar(None, pa.string()))
    return _to_numpy(pc.cast(clean, pa.float64())), _numpy_mask(valid)


def _other_decimal(core: pa.Array, bad: np.ndarray, decimal: str) -> np.ndarray:
    """Bad values that are numbers with the other decimal separator (``12,3`` in a dot column)."""
    if not bad.any():
        return np.zeros(len(core), bool)
    other = "," if decimal == "." else "."
    alt = pc.match_substring_regex(core, _valid_pattern(other, _thousands_for(other, "auto")))
    return bad & _numpy_mask(pc.fill_null(alt, False))


def parse_numbers(
    values: Column,
    *,
    decimal: str = "auto",
    thousands: str | None = "auto",
    currency: Sequence[str] = (),
    fallback_decimal: str = ".",
) -> NumberResult:
    """Parse a column of numbers written in any common convention.

    Accepts ``1234.56``, ``1,234.56``, ``1.234,56``, ``1 234,56``, ``€ 12,50``, ``(12.50)``,
    ``12.50-``, ``15%`` (= 0.15). With ``decimal="auto"`` the separator is decided per column
    from the values that show it (``12,5`` or ``1.234,56`` show a comma); values that could be
    either (``1,234``) follow the column's decision, else ``fallback_decimal``.

    Parameters
    ----------
    values
        A column of number text (typed numbers and booleans are cast as they are).
    decimal
        ``.``, ``,`` or ``auto`` (decide from the values).
    thousands
        The thousands separator(s) allowed; ``auto`` allows the other separator and spaces.
    currency
        Currency words and symbols to strip.
    fallback_decimal
        The separator when the values show none for sure.

    Returns
    -------
    NumberResult
        Values (NaN where null or bad), the null, bad and mixed-separator masks, the decimal
        separator used, the count of ambiguous values and whether there was evidence.
    """
    arr = _as_array(values)
    kind = arr.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return _typed_numbers(arr)
    if pa.types.is_boolean(kind):
        return _typed_numbers(arr)
    text = parse_strings(arr)
    null = _numpy_mask(pc.is_null(text))
    plain_convention = decimal in (".", "auto") and thousands in ("auto", ",", None, "")
    if plain_convention and _plain_sample(text):
        plain = _plain_numbers(text, null)
        if plain is not None:
            return plain
    core, negate, percent = number_core(text, currency)
    ambiguous, evidence = 0, decimal != "auto"
    if decimal == "auto":
        decimal, ambiguous, evidence = _decide_decimal(core, fallback_decimal)
    floats, valid = _convert(core, decimal, _thousands_for(decimal, thousands))
    floats = np.where(_numpy_mask(negate), -np.abs(floats), floats)
    floats = np.where(_numpy_mask(percent), floats / 100.0, floats)
    bad = ~null & ~valid
    mixed = _other_decimal(core, bad, decimal)
    floats[bad | null] = np.nan
    percent_mask = _numpy_mask(percent) & ~bad
    found = percent_mask if percent_mask.any() else None
    return NumberResult(floats, null, bad, mixed, decimal, ambiguous, evidence, found)


# ---- yes/no ---------------------------------------------------------------------------------
def parse_bools(
    values: Column, true_values: Sequence[str], false_values: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse yes/no values: (values, null mask, bad mask); comparison ignores case.

    Parameters
    ----------
    values
        A column of text (typed booleans kept; typed numbers are true when not zero).
    true_values, false_values
        The words that mean yes and no.

    Returns
    -------
    tuple of three numpy.ndarray of bool
        The values (False where null or bad), which were empty, which were neither word.
    """
    arr = _as_array(values)
    size = len(arr)
    if pa.types.is_boolean(arr.type):
        null = _numpy_mask(pc.is_null(arr))
        return _numpy_mask(pc.fill_null(arr, False)), null, np.zeros(size, bool)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        null = _numpy_mask(pc.is_null(arr))
        return _numpy_mask(pc.fill_null(pc.not_equal(arr, 0), False)), null, np.zeros(size, bool)
    text = pc.utf8_lower(parse_strings(arr))
    null = _numpy_mask(pc.is_null(text))
    is_true = pc.fill_null(pc.is_in(text, pa.array([str(v).lower() for v in true_values])), False)
    is_false = pc.fill_null(pc.is_in(text, pa.array([str(v).lower() for v in false_values])), False)
    truth = _numpy_mask(is_true)
    bad = ~null & ~truth & ~_numpy_mask(is_false)
    return truth, null, bad
