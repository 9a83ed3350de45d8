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
    "parse_dates",
    "parse_bools",
    "NumberResult",
    "DateResult",
    "human_date_format",
    "number_core",
    "decimal_evidence",
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
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(pc.utf8_length(arr), 0), pa.scalar(None, pa.string()), arr)


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
    return NumberResult(floats, null, bad, mixed, decimal, ambiguous, evidence)


# ---- dates ----------------------------------------------------------------------------------
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
)
_HUMAN_CODES = (
    ("%Y", "yyyy"),
    ("%y", "yy"),
    ("%m", "mm"),
    ("%d", "dd"),
    ("%H", "HH"),
    ("%M", "MM"),
    ("%S", "SS"),
    ("%b", "Mon"),
    ("%B", "Month"),
)


def human_date_format(fmt: str) -> str:
    """``%d.%m.%Y`` -> ``dd.mm.yyyy`` for messages.

    Parameters
    ----------
    fmt
        A strptime format.

    Returns
    -------
    str
        The format with its codes spelt as people write them.
    """
    for code, human in _HUMAN_CODES:
        fmt = fmt.replace(code, human)
    return fmt


def _swap_day_month(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _has_day_and_month(fmt: str) -> bool:
    return "%d" in fmt and "%m" in fmt


def _is_dayfirst(fmt: str) -> bool:
    return _has_day_and_month(fmt) and fmt.index("%d") < fmt.index("%m")


@dataclass
class DateResult:
    """Parsed dates as datetime64[ns]: NaT where null or bad."""

    values: np.ndarray
    null: np.ndarray
    bad: np.ndarray
    formats: list[str]  # formats used, first = main
    ambiguous: bool = False  # day and month could be swapped in every value


def _normalise_date_text(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_lower(text), r"(^|\D)0+(\d)", r"\1\2")


def _strptime(text: pa.Array, fmt: str) -> pa.Array:
    """Arrow's strptime, refusing impossible dates (arrow rolls 31.02. over to 02.03.)."""
    stamps = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    if "%d" not in fmt:
        return stamps
    suspect = pc.fill_null(pc.less_equal(pc.day(stamps), 3), False)
    if not pc.any(suspect).as_py():
        return stamps
    idx = pc.indices_nonzero(suspect)
    back = pc.strftime(pc.take(stamps, idx), format=fmt)
    same = pc.equal(_normalise_date_text(back), _normalise_date_text(pc.take(text, idx)))
    wrong = pc.filter(idx, pc.invert(pc.fill_null(same, False)))
    if len(wrong) == 0:
        return stamps
    mask = np.zeros(len(stamps), bool)
    mask[wrong.to_numpy()] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, stamps.type), stamps)


def _typed_dates(arr: pa.Array) -> DateResult:
    """Dates or timestamps that are typed already (time zones dropped to local time)."""
    stamps = pc.cast(arr, pa.timestamp("ns")) if not pa.types.is_timestamp(arr.type) else arr
    if pa.types.is_timestamp(stamps.type) and stamps.type.tz is not None:
        stamps = pc.local_timestamp(stamps)
    stamps = pc.cast(stamps, pa.timestamp("ns"))
    null = _numpy_mask(pc.is_null(stamps))
    values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    return DateResult(values, null, np.zeros(len(arr), bool), ["(typed)"])


def _format_scores(text: pa.Array, sample_size: int) -> list[tuple[int, str]]:
    """(values read, format) for every known format that reads some of a sample of values."""
    sample = pc.unique(pc.drop_null(text).slice(0, max(sample_size * 50, 1)))
    if len(sample) > sample_size:
        sample = sample.slice(0, sample_size)
    scores = []
    for fmt in _DATE_FORMATS:
        read = pc.sum(pc.is_valid(_strptime(sample, fmt))).as_py() or 0
        if read:
            scores.append((read, fmt))
    return scores


def _infer_formats(text: pa.Array, dayfirst: bool, sample_size: int) -> tuple[list[str], bool]:
    """Formats to try, best first, and whether day and month could be swapped in every value.

    The fallbacks after the main format never swap its day and month order.
    """
    scores = _format_scores(text, sample_size)
    if not scores:
        return ["%Y-%m-%d"], False
    best_read = max(read for read, _ in scores)
    best = [fmt for read, fmt in scores if read == best_read]
    main, ambiguous = best[0], False
    if _has_day_and_month(main) and _swap_day_month(main) in best:
        ambiguous = True
        day_first = main if _is_dayfirst(main) else _swap_day_month(main)
        main = day_first if dayfirst else _swap_day_month(day_first)
    swapped = _swap_day_month(main) if _has_day_and_month(main) else None
    main_dayfirst = _is_dayfirst(main)
    fallbacks = [
        fmt
        for _, fmt in sorted(scores, reverse=True)
        if fmt != main
        and fmt != swapped
        and not (_has_day_and_month(fmt) and _is_dayfirst(fmt) != main_dayfirst)
    ]
    return [main, *fallbacks], ambiguous


def _read_with_formats(text: pa.Array, formats: list[str]) -> pa.Array:
    """Timestamps from the first format that reads each value (ISO dates cast fast)."""
    size = len(text)
    out = pa.nulls(size, pa.timestamp("s"))
    if formats[0] in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:  # fast path: ISO dates cast strictly (impossible dates like 2020-02-31 fail)
            out = pc.cast(text, pa.timestamp("s"))
        except pa.ArrowInvalid:
            out = pa.nulls(size, pa.timestamp("s"))
    for fmt in formats:
        missing = pc.and_(pc.is_null(out), pc.is_valid(text))
        if not pc.any(missing).as_py():
            break
        out = pc.coalesce(out, _strptime(text, fmt))
    return out


def parse_dates(
    values: Column,
    *,
    date_format: str = "auto",
    dayfirst: bool = False,
    sample_size: int = 2000,
) -> DateResult:
    """Parse a column of dates; with ``date_format="auto"`` the format is inferred from a sample.

    When every value reads both as day/month and month/day (all days <= 12) the column is
    ambiguous: ``dayfirst`` decides, and ``ambiguous`` is set so the caller can say so.

    Parameters
    ----------
    values
        A column of date text (typed dates and timestamps are cast as they are).
    date_format
        A strptime format, or ``auto`` to infer it.
    dayfirst
        Read ambiguous dates as day/month (else month/day).
    sample_size
        Distinct values the inference looks at.

    Returns
    -------
    DateResult
        Values as datetime64[ns] (NaT where null or bad), the null and bad masks, the formats
        used (first = main; ``(typed)`` for typed input) and whether the order was ambiguous.
    """
    arr = _as_array(values)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        return _typed_dates(arr)
    text = parse_strings(arr)
    null = _numpy_mask(pc.is_null(text))
    if date_format and date_format != "auto":
        formats, ambiguous = [str(date_format)], False
    else:
        formats, ambiguous = _infer_formats(text, dayfirst, sample_size)
    stamps = _read_with_formats(text, formats)
    parsed = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    bad = ~null & np.isnat(parsed)
    return DateResult(parsed, null, bad, formats, ambiguous)


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
