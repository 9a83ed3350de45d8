"""helpers.ledger.frames: the ledger of frames in memory is build_ledger's, to the last cent, on
hand-built worlds (returns, unattributed lines, activities without minutes, regions on lines)
and on any lines drawn at random, in any row order."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_world import (
    HAND_ACTIVITIES,
    HAND_CUSTOMERS,
    HAND_LINES,
    base_config,
    order_lines_frame,
    write_world,
)
from pandas.testing import assert_frame_equal

from helpers import ledger as L
from helpers.ledger.frames import ledger_from_frames, median_order_value_of
from helpers.ledger.scale import median_order_value
from helpers.schema import UNATTRIBUTED


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}


def _same_ledger(folder: Path, config: dict) -> pd.DataFrame:
    """Build both ways; assert they are equal; return the in-memory one."""
    engine = L.build_ledger(folder, config)
    memory = ledger_from_frames(_read(folder), config)
    assert_frame_equal(memory, engine, rtol=1e-12)
    assert memory.attrs == engine.attrs
    return memory


def test_hand_world_equals_the_engine_ledger(tmp_path: Path) -> None:
    folder = write_world(tmp_path, order_lines_frame(HAND_LINES), HAND_CUSTOMERS, HAND_ACTIVITIES)
    ledger = _same_ledger(folder, base_config())
    assert set(ledger["customer_id"]) == {"A", "B", "C", UNATTRIBUTED}
    assert ledger["cost_to_serve"].gt(0).any()


def test_regions_on_lines_unknown_modes_and_no_customers_table(tmp_path: Path) -> None:
    rows = [
        {**row, "region": region, "ship_mode": mode}
        for row, region, mode in zip(
            HAND_LINES,
            ["West", "East", "East", None, "North", "", "West"],
            ["standard", "Express ", "drone", None, "pickup", "standard", "STANDARD"],
            strict=True,
        )
    ]
    lines = order_lines_frame(rows)
    lines.loc[lines["customer_id"] == UNATTRIBUTED, "customer_id"] = pd.NA  # a line with no id
    _same_ledger(write_world(tmp_path, lines), base_config())


def test_default_rates_are_scaled_as_the_engine_scales_them(tmp_path: Path) -> None:
    folder = write_world(tmp_path, order_lines_frame(HAND_LINES), HAND_CUSTOMERS, HAND_ACTIVITIES)
    config = {**base_config(), "_given": {}}  # every rate a default: scaled to the median order
    assert median_order_value_of(_read(folder)["order_lines"]) == median_order_value(folder)
    _same_ledger(folder, config)


line = st.fixed_dictionaries(
    {
        "customer": st.sampled_from(["C1", "C2", "C3", UNATTRIBUTED]),
        "day": st.integers(0, 364),
        "quantity": st.integers(-3, 20).filter(lambda q: q != 0),
        "price_cents": st.integers(0, 100_000),
        "discount_cents": st.integers(0, 500),
        "cost_cents": st.integers(0, 80_000),
        "ship_mode": st.sampled_from(["standard", "express", "pickup", None]),
    }
)
activity = st.fixed_dictionaries(
    {
        "customer": st.sampled_from(["C1", "C2", "C4"]),
        "activity": st.sampled_from(["sales_visit", "support_ticket", "telesales_call"]),
        "quantity": st.one_of(st.none(), st.integers(1, 4)),
        "minutes": st.one_of(st.none(), st.integers(1, 90)),
    }
)
CUSTOMERS = [
    dict(customer_id="C1", employees=3.0, rebate_rate=0.02, payment_terms_days=30.0),
    dict(customer_id="C2", employees=80.0, rebate_rate=0.0, payment_terms_days=60.0,
         key_account=True),
]  # fmt: skip


def _lines(draw: list[dict]) -> pd.DataFrame:
    rows = []
    for i, d in enumerate(draw):
        date = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d["day"])
        sign = np.sign(d["quantity"])
        rows.append(
            dict(
                order_id=f"{d['customer']}-{date.date()}-{'R' if sign < 0 else 'S'}",
                customer_id=d["customer"],
                order_date=date,
                product_id=f"P{i % 5}",
                quantity=float(d["quantity"]),
                unit_price=d["price_cents"] / 100,
                discount=d["discount_cents"] / 100 * sign,
                cost=d["cost_cents"] / 100 * sign,
                ship_mode=d["ship_mode"],
            )  # fmt: skip
        )
    return order_lines_frame(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    draw=st.lists(line, min_size=1, max_size=40),
    acts=st.lists(activity, max_size=12),
    seed=st.integers(0, 2**16),
)
def test_any_lines_in_any_order_give_the_engine_ledger(
    draw: list[dict], acts: list[dict], seed: int
) -> None:
    lines = _lines(draw)
    records = [
        dict(customer_id=a["customer"], date="2024-03-01", activity=a["activity"],
             quantity=a["quantity"], minutes=a["minutes"])
        for a in acts
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_world(Path(tmp), lines, CUSTOMERS, records or None)
        memory = _same_ledger(folder, base_config())
        tables = _read(folder)
    tables["order_lines"] = tables["order_lines"].sample(frac=1.0, random_state=seed)
    assert_frame_equal(ledger_from_frames(tables, base_config()), memory, check_exact=True)
    net = lines["revenue"].sum()
    assert round(memory["list_revenue"].sum() - memory["discounts"].sum(), 2) == round(net, 2)
