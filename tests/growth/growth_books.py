"""Small hand-built books for the growth tests: order lines from (customer, date, revenue)."""

from __future__ import annotations

import pandas as pd

from helpers.config import defaults

CONFIG = defaults()


def lines_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    d = pd.DataFrame(rows, columns=["customer_id", "order_date", "revenue"])
    return d.assign(
        order_date=pd.to_datetime(d["order_date"]),
        cost=0.5 * d["revenue"],
        order_id=[f"O{i}" for i in range(len(d))],
        product_id="P1",
    )
