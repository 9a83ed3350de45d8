"""Small canonical worlds for the ledger tests: hand-computed tables written as ingest would."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import defaults
from helpers.schema import ACTIVITIES, CUSTOMERS, ORDER_LINES, UNATTRIBUTED

YEAR_2024 = ("2024-01-01", "2024-12-31")
KA_YEARS = 366 / 365.25  # 2024 is a leap year: the window holds 366 days


# ---- canonical Parquet fixtures -------------------------
def _typed(frame: pd.DataFrame, spec: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col, kind in spec.items():
        values = frame[col] if col in frame else pd.Series([None] * len(frame), index=frame.index)
        if kind == "date":
            out[col] = pd.to_datetime(values).astype("datetime64[ns]")
        elif kind == "float64":
            out[col] = pd.to_numeric(values).astype("float64")
        elif kind == "int64":
            out[col] = pd.to_numeric(values).fillna(0).astype("int64")
        elif kind == "bool":
            out[col] = values.astype("boolean")  # nullable, as ingest writes it
        else:
            out[col] = values.astype("string")
    return out


def order_lines_frame(rows: list[dict]) -> pd.DataFrame:
    """Canonical order lines from short dicts (revenue and is_return derived as ingest does)."""
    f = pd.DataFrame(rows)
    f["discount"] = f.get("discount", 0.0)
    f["revenue"] = f["quantity"] * f["unit_price"] - f["discount"]
    f["is_return"] = f["quantity"] < 0
    f["line_no"] = f.groupby("order_id").cumcount() + 1
    f["cost_assumed"] = False
    f["is_duplicate"] = False
    f["source_file"] = "fixture"
    f["source_row"] = np.arange(len(f)) + 2
    return _typed(f, ORDER_LINES)


def write_world(
    folder: Path,
    lines: pd.DataFrame,
    customers: list[dict] | None = None,
    activities: list[dict] | None = None,
) -> Path:
    """Write canonical Parquet tables into ``folder`` (what ingest would write)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines.to_parquet(folder / "order_lines.parquet", index=False)
    if customers is not None:
        _typed(pd.DataFrame(customers), CUSTOMERS).to_parquet(folder / "customers.parquet")
    if activities is not None:
        _typed(pd.DataFrame(activities), ACTIVITIES).to_parquet(folder / "activities.parquet")
    return folder


def base_config() -> dict:
    """The defaults of every module, with the cost rates stated as the config's own.

    Stated rates are used as they are (a default rate left out would be scaled to the data's
    median order value), so the hand-computed costs below hold.
    """
    config = defaults()
    config["_given"] = {"cost_to_serve": copy.deepcopy(config["cost_to_serve"])}
    return config


HAND_LINES = [
    # A: two orders, one line returned; B: one pickup order; one line with no customer
    dict(order_id="O1", customer_id="A", order_date="2024-01-10", product_id="P1", quantity=2,
         unit_price=100.0, discount=20.0, cost=100.0, ship_mode="standard", channel="field"),
    dict(order_id="O1", customer_id="A", order_date="2024-01-10", product_id="P2", quantity=1,
         unit_price=50.0, discount=0.0, cost=30.0, ship_mode="standard", channel="field"),
    dict(order_id="O2", customer_id="A", order_date="2024-03-05", product_id="P3", quantity=1,
         unit_price=200.0, discount=0.0, cost=120.0, ship_mode="express", channel="field"),
    dict(order_id="O2-R", customer_id="A", order_date="2024-03-20", product_id="P3", quantity=-1,
         unit_price=200.0, discount=0.0, cost=-120.0, ship_mode="express", channel="field"),
    dict(order_id="O3", customer_id="B", order_date="2024-02-01", product_id="P1", quantity=3,
         unit_price=10.0, discount=3.0, cost=15.0, ship_mode="pickup", channel="online"),
    dict(order_id="O4", customer_id=UNATTRIBUTED, order_date="2024-02-02", product_id="P1",
         quantity=1, unit_price=40.0, discount=0.0, cost=25.0, ship_mode="standard",
         channel="online"),
    dict(order_id="O5", customer_id="A", order_date="2023-12-31", product_id="P1", quantity=1,
         unit_price=999.0, discount=0.0, cost=1.0, ship_mode="standard", channel="field"),
]  # fmt: skip
HAND_CUSTOMERS = [
    dict(customer_id="A", name="Acme <b>Corp</b>", employees=300.0, key_account=True,
         payment_terms_days=30.0, rebate_rate=0.1, signup_date="2020-01-01", industry="retail"),
    dict(customer_id="B", name="=cmd|' /C calc'!A0", employees=5.0, key_account=False,
         payment_terms_days=60.0, rebate_rate=0.0, signup_date="2024-02-01", industry="retail"),
    dict(customer_id="C", name="No orders, one visit", employees=12.0, key_account=False,
         payment_terms_days=30.0, rebate_rate=0.0, signup_date="2019-05-01"),
]  # fmt: skip
HAND_ACTIVITIES = [
    dict(customer_id="A", date="2024-01-15", activity="sales_visit", quantity=1.0),
    dict(customer_id="A", date="2024-01-16", activity="support_ticket", quantity=1.0, minutes=30.0),
    dict(customer_id="B", date="2024-02-01", activity="telesales_call", quantity=1.0, minutes=10.0),
    dict(customer_id="B", date="2024-02-03", activity="telesales_call", quantity=1.0),
    dict(customer_id="C", date="2024-06-01", activity="sales_visit", quantity=1.0),
    dict(customer_id="A", date="2023-06-01", activity="sales_visit", quantity=5.0),
]  # fmt: skip
