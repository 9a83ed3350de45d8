"""The world's drawing kit: per-tier values, categorical draws, ids, money, dtypes and the calendar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers.world.params import FLAT_FIELDS, TIERS, WorldParams

__all__ = [
    "DAYS_PER_YEAR",
    "DAYS_PER_MONTH",
    "tier_values",
    "normalised",
    "choice_rows",
    "serial_ids",
    "cents",
    "typed",
    "Calendar",
    "make_calendar",
]

#: days of an average year and month (the unit of every "per year" and "months" parameter)
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def tier_values(params: WorldParams, name: str) -> np.ndarray:
    """A per-tier parameter as an array, equalised to the micro tier's value in the flat world.

    Parameters
    ----------
    params
        The world's parameters.
    name
        A per-tier field of :class:`~helpers.world.params.WorldParams`.

    Returns
    -------
    numpy.ndarray
        float64, one row per tier in :data:`~helpers.world.params.TIERS` order (ranges and
        mixes give one column per bound or option).
    """
    value = getattr(params, name)
    if params.flat and name in FLAT_FIELDS:
        value = (value[0],) * len(TIERS)
    return np.asarray(value, dtype="float64")


def normalised(values: Any) -> np.ndarray:
    """Weights scaled to sum to 1 along the last axis.

    Parameters
    ----------
    values
        Non-negative weights (a vector, or one row of weights per case).

    Returns
    -------
    numpy.ndarray
        float64 probabilities, same shape as ``values``.
    """
    weights = np.asarray(values, dtype="float64")
    return weights / weights.sum(axis=-1, keepdims=True)


def choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs``, vectorised (one uniform draw per row).

    Parameters
    ----------
    rng
        The stream to draw from.
    probs
        Probabilities, one row per case (rows sum to 1).

    Returns
    -------
    numpy.ndarray
        int64, the chosen column of each row.
    """
    cum = np.cumsum(probs, axis=1)
    uniform = rng.random(len(probs))[:, None] * cum[:, -1:]
    return np.minimum((uniform >= cum).sum(axis=1), probs.shape[1] - 1)


def serial_ids(prefix: str, count: int, width: int) -> pd.Series:
    """Ids ``<prefix>00001``, ``<prefix>00002``, ... zero-padded to ``width`` digits.

    Parameters
    ----------
    prefix
        The id's letter, e.g. ``"C"`` for customers.
    count
        How many ids.
    width
        Digits of the number (more digits are kept as they are).

    Returns
    -------
    pandas.Series
        ``count`` strings numbered from 1.
    """
    numbers = np.char.zfill(np.arange(1, count + 1).astype(str), width)
    return pd.Series(np.char.add(prefix, numbers))


def cents(amounts: np.ndarray) -> np.ndarray:
    """Money amounts rounded to the cent.

    Parameters
    ----------
    amounts
        Amounts in currency.

    Returns
    -------
    numpy.ndarray
        float64 amounts in currency, rounded to 2 decimals.
    """
    return np.round(np.asarray(amounts, dtype="float64"), 2)


def typed(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` restricted to ``columns``, in their order, with the schema's dtypes.

    Parameters
    ----------
    frame
        The drawn table.
    columns
        Column -> schema dtype (``string``, ``date``, ``bool`` or a numpy dtype name); ``bool``
        becomes the nullable ``boolean`` when the column has missing values.

    Returns
    -------
    pandas.DataFrame
        The named columns only, typed.
    """
    out = {}
    for column, dtype in columns.items():
        values = frame[column]
        if dtype == "string":
            out[column] = values.astype("string")
        elif dtype == "date":
            out[column] = values.astype("datetime64[ns]")
        elif dtype == "bool":
            out[column] = values.astype("boolean" if values.isna().any() else "bool")
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class Calendar:
    """The period's days and their intensity (seasonality times weekday weight).

    Days are counted from ``start`` (day 0); a window ``[first, stop)`` is in days.

    Attributes
    ----------
    start
        The period's first day.
    days
        Days in the period.
    cum
        Cumulative daily intensity: ``cum[d]`` is the intensity of days ``[0, d)``.
    per_year
        Intensity of an average year.
    year_of_day
        0-based year of the period of each day.
    """

    start: pd.Timestamp
    days: int
    cum: np.ndarray
    per_year: float
    year_of_day: np.ndarray

    def _window(self, first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whole-day bounds of windows ``[first, stop)``, clipped to the period."""
        first = np.clip(np.floor(first), 0, self.days).astype(np.int64)
        stop = np.clip(np.ceil(stop), 0, self.days).astype(np.int64)
        return first, stop

    def exposure_years(self, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Seasonal exposure of the day windows ``[first, stop)``.

        Parameters
        ----------
        first, stop
            The windows' first day and the day after their last (days from the start).

        Returns
        -------
        numpy.ndarray
            Exposure in average years (0 where ``stop <= first``).
        """
        first, stop = self._window(first, stop)
        return np.maximum(self.cum[stop] - self.cum[first], 0.0) / self.per_year

    def draw_days(
        self, rng: np.random.Generator, first: np.ndarray, stop: np.ndarray
    ) -> np.ndarray:
        """One day per window ``[first, stop)``, following the daily intensity.

        Parameters
        ----------
        rng
            The stream to draw from (one uniform draw per window).
        first, stop
            The windows' first day and the day after their last (days from the start).

        Returns
        -------
        numpy.ndarray
            int64 days from the start (``first`` for an empty window).
        """
        first, stop = self._window(first, stop)
        low, high = self.cum[first], self.cum[stop]
        uniform = low + rng.random(len(first)) * (high - low)
        day = np.searchsorted(self.cum, uniform, side="right") - 1
        return np.clip(day, first, np.maximum(stop - 1, first))

    def dates(self, day: np.ndarray) -> np.ndarray:
        """Days from the start as ``datetime64[ns]`` dates.

        Parameters
        ----------
        day
            Whole days from the start.

        Returns
        -------
        numpy.ndarray
            The dates.
        """
        return (self.start + pd.to_timedelta(np.asarray(day, dtype="int64"), unit="D")).values


def make_calendar(params: WorldParams) -> Calendar:
    """The calendar of the world's period.

    Parameters
    ----------
    params
        The world's parameters (``start``, ``years``, ``seasonality``, ``weekday_weights``).

    Returns
    -------
    Calendar
        Its days from ``start`` to ``start + years`` (excluded) and their intensity.
    """
    start = pd.Timestamp(params.start)
    end = start + pd.DateOffset(years=params.years)
    dates = pd.date_range(start, end, inclusive="left", freq="D")
    intensity = (
        np.asarray(params.seasonality)[dates.month - 1]
        * np.asarray(params.weekday_weights)[dates.day_of_week]
    )
    cum = np.concatenate([[0.0], np.cumsum(intensity)])
    return Calendar(
        start,
        len(dates),
        cum,
        float(intensity.sum() / params.years),
        (dates.year - start.year).to_numpy(),
    )
