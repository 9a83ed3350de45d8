"""helpers.growth.approvals: win rates by approval layers and the logistic fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from growth_books import CONFIG

from helpers import growth


def _quotes(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = np.exp(rng.uniform(3, 12, n))
    layers = np.clip(1 + (np.log(amount) // 2.5).astype(int), 1, 6)
    won = rng.random(n) < 0.6 * 0.7 ** (layers - 1)
    date = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    return pd.DataFrame(
        {
            "quote_id": [f"Q{i}" for i in range(n)],
            "customer_id": "c",
            "date": date,
            "amount": amount,
            "approval_layers": layers,
            "won": pd.array(won, dtype="boolean"),
            "close_date": date + pd.to_timedelta(7 * layers, unit="D"),
        }
    )


def test_approval_layers_recovers_the_per_layer_odds() -> None:
    res = growth.approval_layers(_quotes(), CONFIG)
    assert res.available
    rates = res.table["win_rate"]
    assert rates.iloc[0] > rates.iloc[-1]
    first = res.table.iloc[0]
    assert first["median_days_to_close"] == 7 * int(first.name)
    lo, hi = res.detail["logit"]["odds_ratio_layer_ci"]
    assert lo < 1 and hi < 1  # each layer lowers the odds
    assert set(res.metrics["win_rate_by_layers"]) == set(res.table.index)


def test_approval_layers_without_table_says_so() -> None:
    res = growth.approval_layers(None, CONFIG)
    assert not res.available and "No opportunities table" in res.findings[0]
