"""What the growth analyses share: their settings, the tier order and who is new to the data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["settings", "tier_order", "signups", "is_new"]


def settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``growth`` section as a dict (defaults in ``defaults/growth.yaml``)."""
    return dict(config["growth"])


def tier_order(config: Mapping[str, Any]) -> list[str]:
    """The configured size-tier labels, smallest first (empty without ``size_tiers``)."""
    return [str(t) for t in config.get("size_tiers", {}).get("labels", [])]


def signups(customers: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """Each customer's signup date on ``index`` (NaT where unknown or without the column)."""
    if customers is None or "signup_date" not in customers:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return customers.set_index("customer_id")["signup_date"].reindex(index)


def is_new(
    first: pd.Series,
    customers: pd.DataFrame | None,
    data_start: pd.Timestamp,
    config: Mapping[str, Any],
) -> pd.Series:
    """Customers whose start the data saw.

    Signup on or after the data's first day where known, else a first purchase at least
    ``new_customer_after_days`` after it (an older customer would almost surely have bought by
    then).

    Parameters
    ----------
    first
        Each customer's first purchase day, indexed by customer.
    customers
        The customers table (``signup_date`` used where present), or None.
    data_start
        The first day of the data.
    config
        The dataset config (``growth.new_customer_after_days``).

    Returns
    -------
    Series
        bool, on the index of ``first``.
    """
    signup = signups(customers, first.index)
    buffer = pd.Timedelta(days=float(config["growth"]["new_customer_after_days"]))
    return (signup >= data_start).where(signup.notna(), first >= data_start + buffer).astype(bool)
