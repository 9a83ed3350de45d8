"""helpers.growth.adoption: eligible customer-launch pairs and adoption per tier."""

from __future__ import annotations

import pandas as pd
from growth_books import CONFIG, lines_frame

from helpers import growth


def test_innovation_adoption_counts_eligible_customers_per_tier() -> None:
    rows = []
    for i in range(40):  # 20 micro then 20 large; half the micro buy the new product
        rows.append((f"c{i}", "2023-01-10", 10.0))
        rows.append((f"c{i}", "2023-12-20", 10.0))
    lines = lines_frame(rows)
    new = lines_frame([(f"c{i}", "2023-04-01", 5.0) for i in range(10)]).assign(product_id="NEW")
    lines = pd.concat([lines, new], ignore_index=True)
    products = pd.DataFrame(
        {"product_id": ["P1", "NEW"], "launch_date": pd.to_datetime([None, "2023-03-01"])}
    )
    tiers = pd.Series(["micro"] * 20 + ["large"] * 20, index=[f"c{i}" for i in range(40)])
    config = {**CONFIG, "growth": {**CONFIG["growth"], "min_group_size": 5}}
    res = growth.innovation_adoption(lines, products, tiers, config)
    assert res.table.loc["micro", "eligible"] == 20 and res.table.loc["micro", "adopted"] == 10
    assert res.table.loc["large", "adoption_rate"] == 0
    assert "micro" in res.findings[0]
    assert not growth.innovation_adoption(lines, None, tiers, config).available
