"""A small hand-built customer ledger shared by the Q1 and Q2 tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.schema import UNATTRIBUTED

TIERS = ["micro", "small", "medium", "large"]
START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31")


def make_ledger(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """A ledger where clients ordering big baskets through distributors are profitable."""
    rng = np.random.default_rng(seed)
    tier = rng.choice(TIERS, n, p=[0.5, 0.3, 0.15, 0.05])
    channel = rng.choice(["online", "distributor", "referral"], n)
    orders = rng.integers(1, 30, n)
    aov = rng.lognormal(5.5, 0.6, n) * np.where(channel == "distributor", 1.5, 1.0)
    net = orders * aov
    gm = 0.3 * net
    cts_orders = 45.0 * orders
    profit = gm - cts_orders
    signup = pd.Series(START + pd.to_timedelta(rng.integers(-2000, 900, n), unit="D"))
    gap = pd.Series(pd.to_timedelta(rng.integers(30, 700, n), unit="D"))
    dead = rng.random(n) < 0.15
    closed = (signup + gap).clip(upper=END).where(dead)
    first = signup.where(signup > START, START)
    led = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "name": [f"Firm {i}" for i in range(n)],
            "size_tier": pd.Categorical(tier, categories=TIERS, ordered=True),
            "employees": np.nan,
            "industry": rng.choice(["retail", "construction"], n),
            "region": rng.choice(["north", "south"], n),
            "acquisition_channel": channel,
            "signup_date": signup,
            "closed_date": closed,
            "key_account": False,
            "payment_terms_days": 30.0,
            "list_revenue": net * 1.05,
            "discounts": net * 0.05,
            "rebates": 0.0,
            "net_revenue": net,
            "cogs": net - gm,
            "gross_margin": gm,
            "cost_to_serve": cts_orders,
            "profit": profit,
            "orders": orders,
            "lines": orders * 2,
            "units": orders * 5.0,
            "returns": rng.integers(0, 3, n),
            "return_revenue": 0.0,
            "first_order": first,
            "last_order": closed.fillna(END).clip(lower=first),
            "cts_order_processing": cts_orders,
            "drv_order_processing": orders.astype(float),
        }
    )
    led["margin_pct"] = led["profit"] / led["net_revenue"]
    unattributed = led.iloc[[0]].assign(
        customer_id=UNATTRIBUTED, name=pd.NA, size_tier=np.nan, profit=-5000.0
    )
    return pd.concat([led, unattributed], ignore_index=True)
