"""Hand-built customer ledgers with the three levels of profit, for the Pareto, segments and
seesaw tests (thin, adversarial and hand-computed cases)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.config import defaults

TIERS = ["micro", "small", "medium", "large"]
END = pd.Timestamp("2025-12-31")


def make_ledger(
    net: Sequence[float],
    gross_margin: Sequence[float],
    measured: Sequence[float] | None = None,
    assumed: Sequence[float] | None = None,
    tiers: Sequence[str] | None = None,
    assumed_amount: Sequence[float] | None = None,
) -> pd.DataFrame:
    """A ledger whose P&L adds up at every level.

    list = net / 0.9 (10% discounts); cogs = net - gross margin; cost to serve = measured
    (``cts_order_processing``) + assumed (``cts_sales_visit``); ``assumed_amount`` defaults to
    the assumed drivers' cost. Size tiers follow the order given, else are all "micro".
    """
    n = len(net)
    net = np.asarray(net, dtype="float64")
    gm = np.asarray(gross_margin, dtype="float64")
    measured_cost = np.zeros(n) if measured is None else np.asarray(measured, dtype="float64")
    assumed_cost = np.zeros(n) if assumed is None else np.asarray(assumed, dtype="float64")
    cts = measured_cost + assumed_cost
    led = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "size_tier": pd.Categorical(
                list(tiers) if tiers is not None else ["micro"] * n, categories=TIERS, ordered=True
            ),
            "list_revenue": net / 0.9,
            "discounts": net / 0.9 - net,
            "rebates": 0.0,
            "net_revenue": net,
            "cogs": net - gm,
            "gross_margin": gm,
            "cost_to_serve": cts,
            "profit": gm - cts,
            "profit_measured": gm - measured_cost,
            "cost_to_serve_measured": measured_cost,
            "cost_to_serve_assumed": assumed_cost,
            "assumed_amount": assumed_cost
            if assumed_amount is None
            else np.asarray(assumed_amount, dtype="float64"),
            "orders": np.arange(n) % 7 + 1,
            "last_order": END - pd.to_timedelta(np.arange(n) % 300, unit="D"),
            "cts_order_processing": measured_cost,
            "cts_sales_visit": assumed_cost,
        }
    )
    led["margin_pct"] = led["profit"] / led["net_revenue"].where(led["net_revenue"] != 0)
    return led


def config(min_customers: int | None = None) -> dict:
    """The defaults, with fewer bootstrap resamples and, if given, another ``min_customers``."""
    cfg = defaults()
    cfg["pareto"]["bootstrap"]["n_resamples"] = 100
    if min_customers is not None:
        for section in ("pareto", "seesaw", "segments"):
            cfg[section]["min_customers"] = min_customers
    return cfg


def spread(n: int, seed: int = 0, margin: float = 0.2, loss_share: float = 0.2) -> pd.DataFrame:
    """``n`` customers in four revenue-ranked tiers, some losing money, some cost assumed."""
    rng = np.random.default_rng(seed)
    net = np.sort(rng.lognormal(7, 1.2, n))
    gm = net * (margin + rng.normal(0, 0.1, n))
    measured = 0.05 * net
    assumed = np.where(rng.random(n) < loss_share, 0.5 * net, 0.02 * net)
    position = (np.arange(n) + 0.5) / max(n, 1)
    tiers = np.array(TIERS)[np.searchsorted([0.5, 0.8, 0.95], position, side="right")]
    return make_ledger(net, gm, measured, assumed, list(tiers))


def thin_cases() -> dict[str, pd.DataFrame]:
    """The inputs every public function must survive (and say why it cannot conclude)."""
    base = spread(60)
    return {
        "empty": base.iloc[0:0],
        "one customer": make_ledger([500.0], [100.0], [10.0], [20.0], ["small"]),
        "all loss-making": base.assign(
            gross_margin=-0.2 * base["net_revenue"],
            cogs=1.2 * base["net_revenue"],
            profit=-0.2 * base["net_revenue"] - base["cost_to_serve"],
            profit_measured=-0.2 * base["net_revenue"] - base["cost_to_serve_measured"],
            margin_pct=(-0.2 * base["net_revenue"] - base["cost_to_serve"]) / base["net_revenue"],
        ),
        "30 customers": spread(30, seed=1),
        "single tier": base.assign(size_tier=pd.Categorical(["micro"] * 60, categories=TIERS)),
        "nothing assumed": make_ledger(
            base["net_revenue"],
            base["gross_margin"],
            base["cost_to_serve_measured"],
            tiers=list(base["size_tier"]),
        ),  # fmt: skip
    }
