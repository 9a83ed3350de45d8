"""helpers.ledger.build: hand-computed small ledgers, reconciliation to the cent, and properties
(totals conserved under any split of the order lines into periods and any row order)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_world import (
    HAND_LINES,
    KA_YEARS,
    YEAR_2024,
    base_config,
    order_lines_frame,
    write_world,
)
from pandas.testing import assert_frame_equal

from helpers import ledger as L
from helpers.config import ConfigError
from helpers.ledger import cost_to_serve
from helpers.schema import LEDGER_ATTRIBUTES, LEDGER_MEASURES, UNATTRIBUTED


# ---- hand-computed ledger --------------------------------------------------------------------
def test_columns_follow_the_schema(hand: pd.DataFrame) -> None:
    cols = ["customer_id", *hand.columns]
    assert cols[: len(LEDGER_ATTRIBUTES)] == list(LEDGER_ATTRIBUTES)
    assert all(c in cols for c in LEDGER_MEASURES)
    acts = cost_to_serve.activities(base_config())
    assert all(f"cts_{a}" in cols and f"drv_{a}" in cols for a in acts)


def test_customer_a_by_hand(hand: pd.DataFrame) -> None:
    a = hand.loc["A"]
    net = 250 - 20 - 23  # list - discounts - 10% rebate on 230
    expected = {
        "list_revenue": 250.0,  # 200 + 50 + 200 - 200 (the 2023 order is outside the period)
        "discounts": 20.0,
        "rebates": 23.0,
        "net_revenue": net,
        "cogs": 130.0,
        "gross_margin": net - 130.0,
        "orders": 2,
        "lines": 3,
        "returns": 1,
        "units": 3.0,
        "return_revenue": -200.0,
        "cts_order_processing": 2 * 6 * 0.8,
        "cts_line_picking": 3 * 1.5 * 0.9,
        "cts_delivery": 12 + 30,  # one standard, one express delivery
        "cts_sales_visit": 180.0,  # one visit in 2024 (the 2023 visits are outside)
        "cts_telesales_call": 0.0,
        "cts_support_ticket": 30 * 0.8,  # recorded minutes
        "cts_return_handling": 25.0,
        "cts_key_account_management": 20_000 * KA_YEARS,
        "cts_payment_financing": net * 30 / 365 * 0.08,
        "cts_promotional_fees": 0.0,
        "drv_delivery_express": 1.0,
        "drv_key_account_management": KA_YEARS,
    }
    for col, value in expected.items():
        assert a[col] == pytest.approx(value, abs=1e-9), col
    cts = sum(v for k, v in expected.items() if k.startswith("cts_"))
    assert a["cost_to_serve"] == pytest.approx(cts)
    assert a["profit"] == pytest.approx(net - 130.0 - cts)
    assert a["margin_pct"] == pytest.approx(a["profit"] / net)
    assert a["first_order"] == pd.Timestamp("2024-01-10")
    assert a["last_order"] == pd.Timestamp("2024-03-20")
    assert a["size_tier"] == "large" and a["name"] == "Acme <b>Corp</b>"


def test_customer_b_and_unattributed_by_hand(hand: pd.DataFrame) -> None:
    b, u = hand.loc["B"], hand.loc[UNATTRIBUTED]
    assert b["net_revenue"] == pytest.approx(27.0)
    assert b["cts_delivery"] == 0.0  # pickup
    assert b["drv_telesales_call"] == 2.0
    assert b["cts_telesales_call"] == pytest.approx((10 + 15) * 1.5)  # recorded + assumed minutes
    assert b["cts_payment_financing"] == pytest.approx(27 * 60 / 365 * 0.08)
    assert b["cts_key_account_management"] == 0.0
    assert b["size_tier"] == "micro"
    # the unattributed row: own P&L, default payment terms, never a key account or a tier
    assert u["net_revenue"] == pytest.approx(40.0) and u["cogs"] == 25.0
    assert u["cts_payment_financing"] == pytest.approx(40 * 30 / 365 * 0.08)
    assert u["cts_sales_visit"] == 0.0 and pd.isna(u["size_tier"])


def test_customer_with_activities_only_has_a_row(hand: pd.DataFrame) -> None:
    c = hand.loc["C"]
    assert c["net_revenue"] == 0.0 and c["orders"] == 0
    assert c["cts_sales_visit"] == 180.0 and c["profit"] == -180.0
    assert pd.isna(c["margin_pct"])


def test_totals_reconcile_with_order_lines_to_the_cent(hand_dir: Path, hand: pd.DataFrame) -> None:
    lines = pd.read_parquet(hand_dir / "order_lines.parquet")
    lines = lines[lines["order_date"] >= "2024-01-01"]
    assert round(hand["list_revenue"].sum() - hand["discounts"].sum(), 2) == round(
        lines["revenue"].sum(), 2
    )
    assert round(hand["cogs"].sum(), 2) == round(lines["cost"].sum(), 2)
    pnl = L.company_pnl(hand.reset_index()).set_index("step")["amount"]
    assert pnl["Profit"] == pytest.approx(hand["profit"].sum())
    changes = L.company_pnl(hand.reset_index())
    assert changes.loc[changes["kind"] == "change", "amount"].sum() == pytest.approx(
        pnl["Profit"] - pnl["List revenue"]
    )


def test_by_period_splits_months(hand_dir: Path, hand: pd.DataFrame) -> None:
    monthly = L.build_ledger(hand_dir, base_config(), period=YEAR_2024, by_period="M")
    a = monthly[monthly["customer_id"] == "A"].set_index("period").sort_index()
    assert list(a.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01")]
    assert a.loc["2024-03-01", "list_revenue"] == 0.0 and a.loc["2024-03-01", "returns"] == 1
    for col in ("list_revenue", "discounts", "rebates", "cogs", "lines", "orders"):
        assert monthly[col].sum() == pytest.approx(hand[col].sum()), col
    # key-account years follow the months: January 31 days, March 31 days
    assert a["drv_key_account_management"].tolist() == pytest.approx([31 / 365.25, 31 / 365.25])


def test_period_filter_is_inclusive(hand_dir: Path) -> None:
    led = L.build_ledger(hand_dir, base_config(), period=("2024-01-10", "2024-01-10"))
    assert led["lines"].sum() == 2 and led["customer_id"].tolist() == ["A"]
    everything = L.build_ledger(hand_dir, base_config(), period="")
    assert everything["list_revenue"].sum() == pytest.approx(250 + 30 + 40 + 999)


def test_order_lines_only(tmp_path: Path) -> None:
    folder = write_world(tmp_path, order_lines_frame(HAND_LINES))
    cfg = base_config()
    led = L.build_ledger(folder, cfg, period=YEAR_2024).set_index("customer_id")
    a = led.loc["A"]
    assert a["rebates"] == 0.0 and a["cts_key_account_management"] == 0.0
    assert a["drv_sales_visit"] == pytest.approx(2 * 0.05)  # assumed visits per order
    assert a["cts_payment_financing"] == pytest.approx(230 * 30 / 365 * 0.08)
    model = L.cost_model_for(folder, cfg)
    src = model.set_index("activity")["source"]
    assert src["sales_visit"] == "assumed" and src["order_processing"] == "derived"
    assert src["payment_financing"] == "assumed"
    notes = L.data_notes(folder, cfg)
    assert any("No customers table" in n for n in notes)
    assert any("No activities table" in n for n in notes)


def test_bad_by_period_is_a_clear_error(hand_dir: Path) -> None:
    with pytest.raises(ConfigError, match="by_period 'W'"):
        L.build_ledger(hand_dir, base_config(), by_period="W")


def test_missing_order_lines_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no order_lines table"):
        L.build_ledger(tmp_path, base_config())


# ---- properties -----------------------------------------------------------------------------
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
ADDITIVE = ["list_revenue", "discounts", "rebates", "net_revenue", "cogs", "gross_margin",
            "lines", "returns", "units", "orders", "return_revenue"]  # fmt: skip
PROPERTY_CUSTOMERS = [
    dict(customer_id="C1", employees=3.0, rebate_rate=0.02, payment_terms_days=30.0),
    dict(customer_id="C2", employees=80.0, rebate_rate=0.0, payment_terms_days=60.0,
         key_account=True),
]  # fmt: skip


def _lines(draw: list[dict]) -> pd.DataFrame:
    rows = []
    for i, d in enumerate(draw):
        date = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d["day"])
        rows.append(
            dict(
                order_id=f"{d['customer']}-{date.date()}-{'R' if d['quantity'] < 0 else 'S'}",
                customer_id=d["customer"],
                order_date=date,
                product_id=f"P{i % 5}",
                quantity=float(d["quantity"]),
                unit_price=d["price_cents"] / 100,
                discount=d["discount_cents"] / 100 * np.sign(d["quantity"]),
                cost=d["cost_cents"] / 100 * np.sign(d["quantity"]),
                ship_mode=d["ship_mode"],
            )
        )
    return order_lines_frame(rows)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    draw=st.lists(line, min_size=1, max_size=40),
    seed=st.integers(0, 2**16),
    cut=st.integers(0, 363),
)
def test_totals_conserved_under_row_order_and_period_splits(
    draw: list[dict], seed: int, cut: int
) -> None:
    cfg = base_config()
    lines = _lines(draw)
    with tempfile.TemporaryDirectory() as tmp:
        one = write_world(Path(tmp) / "a", lines, PROPERTY_CUSTOMERS)
        shuffled = write_world(
            Path(tmp) / "b", lines.sample(frac=1.0, random_state=seed), PROPERTY_CUSTOMERS
        )
        whole = L.build_ledger(one, cfg, YEAR_2024)
        again = L.build_ledger(shuffled, cfg, YEAR_2024)
        mid = pd.Timestamp("2024-01-01") + pd.Timedelta(days=cut)
        first = L.build_ledger(one, cfg, ("2024-01-01", mid))
        second = L.build_ledger(one, cfg, (mid + pd.Timedelta(days=1), "2024-12-31"))
        quarterly = L.build_ledger(one, cfg, YEAR_2024, by_period="Q")
    # any row order: the same ledger, to the last bit (money is added exactly)
    assert_frame_equal(whole, again, check_exact=True)
    # sum over customers = company totals computed directly from the lines, to the cent
    assert round(whole["list_revenue"].sum() - whole["discounts"].sum(), 2) == round(
        lines["revenue"].sum(), 2
    )
    assert round(whole["cogs"].sum(), 2) == round(lines["cost"].sum(), 2)
    assert whole["lines"].sum() == int((~lines["is_return"]).sum())
    # any split of the lines into periods: additive measures are conserved
    for parts in ((first, second), (quarterly,)):
        split = pd.concat(parts)
        for col in ADDITIVE:
            assert round(split[col].sum(), 6) == round(whole[col].sum(), 6), col
        per_customer = split.groupby("customer_id")["net_revenue"].sum()
        expected = whole.set_index("customer_id")["net_revenue"].reindex(per_customer.index)
        np.testing.assert_allclose(per_customer, expected, atol=1e-6)


def test_empty_customer_columns_count_as_missing(tmp_path: Path) -> None:
    """Ingest writes absent columns as nulls: a column without values is assumed, and said so."""
    rows = [{**r, "ship_mode": None} for r in HAND_LINES]
    folder = write_world(
        tmp_path, order_lines_frame(rows), [dict(customer_id="A", name="A"), dict(customer_id="B")]
    )
    cfg = base_config()
    led = L.build_ledger(folder, cfg, period=YEAR_2024)
    model = L.cost_model_for(folder, cfg, led).set_index("activity")
    assert model.loc["payment_financing", "source"] == "assumed"
    assert model.loc["key_account_management", "source"] == "assumed"
    assert "no ship mode in the data is one of the priced modes" in model.loc["delivery", "note"]
    assert led.loc[led["customer_id"] == "A", "cts_delivery"].item() == 2 * 12  # fallback rate
    notes = " ".join(L.data_notes(folder, cfg))
    assert "no payment_terms_days column" in notes and "no rebate_rate column" in notes


def test_empty_period_gives_an_empty_ledger_and_says_so(hand_dir: Path) -> None:
    led = L.build_ledger(hand_dir, base_config(), period=("2030-01-01", "2030-12-31"))
    assert led.empty and list(led.columns)[0] == "customer_id"
    assert L.ledger_findings(led)[0].startswith("No order lines")
    assert L.company_pnl(led)["amount"].abs().sum() == 0


def test_a_region_on_the_order_lines_reaches_the_ledger(tmp_path: Path) -> None:
    # Superstore-like: the region sits on every line; a customers table, if any, lacks it
    regions = {"A": ["West", "West", "East"], "B": ["East"]}
    rows, seen = [], {}
    for row in HAND_LINES:
        cid = row["customer_id"]
        choices = regions.get(cid)
        k = seen.get(cid, 0)
        seen[cid] = k + 1
        rows.append({**row, "region": choices[k % len(choices)] if choices else None})
    cfg = base_config()
    alone = L.build_ledger(write_world(tmp_path / "lines", order_lines_frame(rows)), cfg)
    by_id = alone.set_index("customer_id")["region"]
    revenue_west = sum(
        r["quantity"] * r["unit_price"] for r, x in zip(HAND_LINES, rows, strict=True)
        if x["region"] == "West" and r["customer_id"] == "A"
    )  # fmt: skip
    revenue_east = sum(
        r["quantity"] * r["unit_price"] for r, x in zip(HAND_LINES, rows, strict=True)
        if x["region"] == "East" and r["customer_id"] == "A"
    )  # fmt: skip
    assert by_id["A"] == ("West" if revenue_west >= revenue_east else "East")
    assert by_id["B"] == "East"
    table = [dict(customer_id="A", name="A", region="North")]  # the table's region wins
    with_table = L.build_ledger(write_world(tmp_path / "both", order_lines_frame(rows), table), cfg)
    by_id = with_table.set_index("customer_id")
    assert by_id.loc["A", "region"] == "North" and by_id.loc["A", "name"] == "A"
    assert by_id.loc["B", "region"] == "East"  # not in the table: from its lines


def test_money_sums_do_not_depend_on_the_order_of_the_lines(tmp_path: Path) -> None:
    """Float addition is not associative: (0.1 + 0.2) + 0.3 != (0.3 + 0.2) + 0.1.

    The engine adds lines in whatever order its threads meet them, so float sums made two runs of
    one 5M-line input differ in the last digits. The ledger adds money as exact decimals.
    """
    rows = [
        dict(order_id=f"O{i}", customer_id="C1", order_date=pd.Timestamp("2024-03-01"),
             product_id="P1", quantity=1.0, unit_price=price, discount=0.0, cost=price / 2)
        for i, price in enumerate([0.1, 0.2, 0.3, 1e9, 0.01, -1e9])
    ]  # fmt: skip
    cfg = base_config()
    forward = L.build_ledger(write_world(tmp_path / "f", order_lines_frame(rows)), cfg)
    backward = L.build_ledger(write_world(tmp_path / "b", order_lines_frame(rows[::-1])), cfg)
    assert_frame_equal(forward, backward, check_exact=True)
    c1 = forward.set_index("customer_id").loc["C1"]
    assert c1["list_revenue"] == 0.61  # the exact sum, not 0.6100000000000001 or 0.61000002
    assert c1["cogs"] == 0.305


# ---- a ledger for some customers only ---------------------------------------------------------
@pytest.mark.parametrize("by_period", [None, "M"])
@pytest.mark.parametrize("period", ["", YEAR_2024])
def test_some_customers_get_the_same_rows_as_in_the_whole_ledger(
    hand_dir: Path, by_period: str | None, period
) -> None:
    whole = L.build_ledger(hand_dir, base_config(), period=period, by_period=by_period)
    keys = ["customer_id", *(["period"] if by_period else [])]
    known = sorted(set(whole["customer_id"]) - {UNATTRIBUTED})
    for wanted in ([known[-1]], known[1:], ["nobody", known[0]]):
        part = L.build_ledger(
            hand_dir, base_config(), period=period, by_period=by_period, customers=wanted
        )
        expected = whole[whole["customer_id"].isin(wanted)]
        # the years on the books are counted in the whole data's window, whoever is asked for
        assert_frame_equal(
            part.drop(columns="size_tier").sort_values(keys).reset_index(drop=True),
            expected.drop(columns="size_tier").sort_values(keys).reset_index(drop=True),
            check_exact=True,
        )


def test_no_customers_asked_for_is_an_empty_ledger(hand_dir: Path) -> None:
    part = L.build_ledger(hand_dir, base_config(), period="", customers=[])
    whole = L.build_ledger(hand_dir, base_config(), period="")
    assert part.empty and list(part.columns) == list(whole.columns)
