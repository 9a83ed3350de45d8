"""Customer ledgers with profit levels for the Q1-Q3 tests: adversarial books and their orders.

A book mirrors what :func:`helpers.ledger.build_ledger` writes for a dataset configured with the
bare defaults: order processing is counted from the data (measured level), field visits and
telesales calls are assumed, and every rate is a default rate, so ``assumed_amount`` is the whole
cost to serve and the report leads with the margin the data gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIERS = ["micro", "small", "medium", "large"]
START, END = pd.Timestamp("2022-01-01"), pd.Timestamp("2024-12-31")
KINDS = ("random", "flat", "negative", "one_tier", "tiny", "huge", "no_channel", "old_customers")


def _draws(n: int, kind: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Tiers, orders, order values, margin and discount rates of ``n`` customers."""
    flat = kind == "flat"
    tiers = (
        np.full(n, "micro")
        if kind == "one_tier"
        else np.full(n, "small")
        if flat
        else rng.choice(TIERS, n, p=[0.4, 0.3, 0.2, 0.1])
    )
    return {
        "tier": tiers,
        "orders": np.full(n, 5) if flat else rng.integers(1, 15, n),
        "aov": np.full(n, 100.0) if flat else rng.lognormal(4.6, 0.6, n),
        "gm_rate": np.full(n, 0.3)
        if flat
        else rng.uniform(-0.3, -0.05, n)
        if kind == "negative"
        else rng.uniform(0.05, 0.45, n),
        "discount": np.full(n, 0.05) if flat else rng.uniform(0.0, 0.3, n),
    }


def book(n: int = 60, seed: int = 0, kind: str = "random") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ledger of ``n`` customers and its orders (customer_id, order_id, value, channel).

    ``kind``: random, flat (every customer alike), negative (every line below cost), one_tier,
    tiny / huge (every amount x 1e-6 / x 1e9), no_channel (no acquisition channel),
    old_customers (everyone joined before the window).
    """
    rng = np.random.default_rng(seed)
    scale = {"tiny": 1e-6, "huge": 1e9}.get(kind, 1.0)
    draw = _draws(n, kind, rng)
    orders = draw["orders"].astype(float)
    net = orders * draw["aov"] * scale
    gross = draw["gm_rate"] * net
    visits = np.where(np.isin(draw["tier"], ["medium", "large"]), orders, np.round(orders / 3))
    calls = np.round(orders / 2)
    costs = {
        "order_processing": 4.0 * scale * orders,
        "sales_visit": 60.0 * scale * visits,
        "telesales_call": 8.0 * scale * calls,
    }
    cts = sum(costs.values())
    signup = START + pd.to_timedelta(rng.integers(-400, 700, n), unit="D")
    if kind == "old_customers":
        signup = START - pd.to_timedelta(rng.integers(30, 900, n), unit="D")
    first = pd.Series(signup).where(pd.Series(signup) > START, START)
    last = (first + pd.to_timedelta(rng.integers(0, 900, n), unit="D")).clip(upper=END)
    channel = rng.choice(["web", "fair", "referral"], n)
    ledger = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "name": [f"Firm {i}" for i in range(n)],
            "size_tier": pd.Categorical(draw["tier"], categories=TIERS, ordered=True),
            "employees": np.nan,
            "industry": pd.NA,
            "region": rng.choice(["north", "south"], n),
            "acquisition_channel": pd.NA if kind == "no_channel" else channel,
            "signup_date": signup,
            "closed_date": pd.NaT,
            "key_account": False,
            "payment_terms_days": 30.0,
            "list_revenue": net / (1 - draw["discount"]),
            "discounts": net / (1 - draw["discount"]) - net,
            "rebates": 0.0,
            "net_revenue": net,
            "cogs": net - gross,
            "gross_margin": gross,
            "cost_to_serve": cts,
            "profit": gross - cts,
            "profit_measured": gross - costs["order_processing"],
            "cost_to_serve_measured": costs["order_processing"],
            "cost_to_serve_assumed": costs["sales_visit"] + costs["telesales_call"],
            "assumed_amount": cts,
            "orders": orders.astype(int),
            "lines": (2 * orders).astype(int),
            "units": 5 * orders,
            "returns": rng.integers(0, 2, n),
            "first_order": first.to_numpy(),
            "last_order": last.to_numpy(),
        }
    )
    for activity, cost in costs.items():
        ledger[f"cts_{activity}"] = cost
    ledger["drv_order_processing"] = orders
    ledger["drv_sales_visit"] = visits
    ledger["drv_telesales_call"] = calls
    ledger["margin_pct"] = ledger["profit"] / ledger["net_revenue"]
    return ledger, _orders(ledger, rng)


def _orders(ledger: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each customer's orders: values that sum to its net revenue."""
    rows = []
    for row in ledger.itertuples():
        weights = rng.dirichlet(np.ones(int(row.orders)))
        for j, weight in enumerate(weights):
            rows.append(
                {
                    "customer_id": row.customer_id,
                    "order_id": f"{row.customer_id}-{j}",
                    "value": float(row.net_revenue * weight),
                    "channel": "web",
                }
            )
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "value", "channel"])
