"""Parsers of date columns: inferred formats, Excel day numbers, UTC offsets, the ns range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest.values import Column, _any, _as_array, _numpy_mask, _to_numpy, parse_strings

__all__ = ["parse_dates", "DateResult", "human_date_format", "EXCEL_DAY_ZERO"]

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
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
    beyond: np.ndarray | None = None  # dates outside what nanoseconds hold (1677-2262), NaT
    offsets: bool = False  # the values carried UTC offsets, dropped (the local day is kept)


#: Excel's day 0 in its 1900 date system (day 60, the 29 February 1900 Excel counts, is gone
#: by 1 March 1900, so day numbers from 61 on are right from this origin)
EXCEL_DAY_ZERO = np.datetime64("1899-12-30", "D")
_DAY_NUMBER = r"^\d{5}(?:\.\d+)?$"
_DAY_NUMBER_RANGE = (18264, 73051)  # 1950-01-01 .. 2099-12-31
_OFFSET = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$"
_OFFSET_SAMPLE = 5000  # values looked at for UTC offsets
_NS_RANGE_SECONDS = (-9_223_372_036, 9_223_372_036)


def _are_day_numbers(text: pa.Array) -> bool:
    """Whether every value is a spreadsheet day number (five digits, 1950 to 2099)."""
    present = pc.drop_null(text)
    if len(present) == 0 or not pc.all(pc.match_substring_regex(present, _DAY_NUMBER)).as_py():
        return False
    numbers = pc.cast(present, pa.float64())
    low, high = pc.min_max(numbers).values()
    return _DAY_NUMBER_RANGE[0] <= low.as_py() and high.as_py() <= _DAY_NUMBER_RANGE[1]


def _day_number_dates(text: pa.Array, null: np.ndarray) -> DateResult:
    """Dates from Excel day numbers (45391 = 2024-04-09; a fraction is the time of day)."""
    numbers = _to_numpy(pc.cast(text, pa.float64()))
    days = np.floor(np.nan_to_num(numbers)).astype(np.int64)
    parsed = (EXCEL_DAY_ZERO + days).astype("datetime64[ns]")
    parsed[null] = np.datetime64("NaT")
    return DateResult(parsed, null, np.zeros(len(text), bool), ["(Excel day number)"])


def _local_time(text: pa.Array, date_format: str) -> tuple[pa.Array, str]:
    """Timestamps with a UTC offset (``-05:00``, ``Z``) kept at the local time written.

    The calendar day written in the file is the seller's day; moving it to UTC would shift
    evening orders to the next day. A ``%z`` in a configured format is dropped likewise.
    """
    if date_format != "auto":
        date_format = date_format.replace("%z", "").replace("%Z", "").rstrip()
    head = pc.drop_null(text.slice(0, _OFFSET_SAMPLE))
    if not _any(pc.match_substring_regex(head, _OFFSET)):
        return text, date_format
    return pc.replace_substring_regex(text, _OFFSET, r"\1"), date_format


def _to_nanoseconds(stamps: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps as datetime64[ns] (NaT where beyond 1677-2262) and the mask of those beyond."""
    seconds = pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False)
    seconds = np.nan_to_num(np.asarray(seconds, dtype=np.float64))
    beyond = (seconds < _NS_RANGE_SECONDS[0]) | (seconds > _NS_RANGE_SECONDS[1])
    if not beyond.any():
        return stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]"), beyond
    kept = pc.if_else(pa.array(beyond), pa.scalar(None, stamps.type), stamps)
    return kept.to_numpy(zero_copy_only=False).astype("datetime64[ns]"), beyond


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
    stamps = pc.cast(arr, pa.timestamp("s")) if not pa.types.is_timestamp(arr.type) else arr
    if stamps.type.tz is not None:
        stamps = pc.local_timestamp(stamps)
    stamps = pc.cast(pc.floor_temporal(stamps, unit="second"), pa.timestamp("s"))
    null = _numpy_mask(pc.is_null(stamps))
    values, beyond = _to_nanoseconds(stamps)
    return DateResult(values, null, np.zeros(len(arr), bool), ["(typed)"], False, beyond)


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
    formats: list[str] | None = None,
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
    formats
        The formats an earlier chunk of the same column was read with (main first): used as
        they are, so every chunk of a streamed file reads alike (``date_format`` is ignored).

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
    date_format = str(date_format or "auto")
    pinned = bool(formats) and not formats[0].startswith("(")
    if pinned:
        date_format = "auto"
    if date_format == "auto" and not pinned and _are_day_numbers(text):
        return _day_number_dates(text, null)
    local, date_format = _local_time(text, date_format)
    offsets, text = local is not text, local
    if pinned:
        formats, ambiguous = list(formats or []), False
    elif date_format != "auto":
        formats, ambiguous = [date_format], False
    else:
        formats, ambiguous = _infer_formats(text, dayfirst, sample_size)
    stamps = _read_with_formats(text, formats)
    parsed, beyond = _to_nanoseconds(stamps)
    bad = ~null & np.isnat(parsed) & ~beyond
    return DateResult(parsed, null, bad, formats, ambiguous, beyond, offsets)
