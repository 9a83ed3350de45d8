"""The sample world: reproducible from its seed, schema-shaped, and its mechanisms do what the
parameters say (in the default world and in the flat world)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from helpers import schema, world

ORDER_LINE_COLUMNS = [
    "order_id",
    "customer_id",
    "order_date",
    "product_id",
    "quantity",
    "unit_price",
    "discount",
    "unit_cost",
    "channel",
    "region",
    "ship_mode",
]
TIERS = list(world.TIERS)


@pytest.fixture(scope="module")
def small_world() -> dict[str, pd.DataFrame]:
    """The teaching-slider size: 800 customers over 2 years."""
    return world.generate(world.params_for("default", n_customers=800, years=2))


@pytest.fixture(scope="module")
def worlds() -> dict[str, dict[str, pd.DataFrame]]:
    """Default and flat worlds large enough for the rates to be measured (3,000 customers, 2 years)."""
    return {
        preset: world.generate(world.params_for(preset, n_customers=3000, years=2))
        for preset in ("default", "flat")
    }


def _tier_of(tables: dict[str, pd.DataFrame]) -> pd.Series:
    return tables["customers"].set_index("customer_id")["size_band"]


def _per_tier(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per size tier: customers, orders, list revenue, discounts, visits."""
    tier = _tier_of(tables)
    lines = tables["order_lines"]
    sales = lines[lines["quantity"] > 0].join(tier, on="customer_id")
    sales = sales.assign(list_value=sales["quantity"] * sales["unit_price"])
    acts = tables["activities"].join(tier, on="customer_id")
    out = pd.DataFrame(
        {
            "customers": tier.value_counts(),
            "orders": sales.groupby("size_band")["order_id"].nunique(),
            "list_value": sales.groupby("size_band")["list_value"].sum(),
            "discount": sales.groupby("size_band")["discount"].sum(),
            "visits": acts[acts["activity"] == "sales_visit"].groupby("size_band").size(),
        }
    ).reindex(TIERS)
    out["discount_pct"] = out["discount"] / out["list_value"]
    out["visits_per_customer"] = out["visits"] / out["customers"]
    out["visits_per_order"] = out["visits"] / out["orders"]
    return out


# ---- reproducibility ---------------------------------------------------------------------------
def test_same_seed_gives_identical_tables(small_world: dict[str, pd.DataFrame]) -> None:
    again = world.generate(world.params_for("default", n_customers=800, years=2))
    assert list(again) == list(small_world)
    for name, frame in small_world.items():
        assert_frame_equal(again[name], frame, obj=name)


def test_different_seed_gives_different_tables(small_world: dict[str, pd.DataFrame]) -> None:
    other = world.generate(world.params_for("default", n_customers=800, years=2, seed=7))
    for name in ("order_lines", "customers", "activities", "opportunities", "products"):
        assert not other[name].equals(small_world[name]), name


def test_small_world_is_fast_enough_for_sliders() -> None:
    start = time.perf_counter()
    world.generate(world.params_for("default", n_customers=800, years=2, seed=3))
    assert time.perf_counter() - start < 5  # about 0.2 s alone; slack for a busy machine


# ---- shape ---------------------------------------------------------------------------------------
_PANDAS_KIND = {
    "string": lambda s: isinstance(s.dtype, pd.StringDtype),
    "date": lambda s: s.dtype == "datetime64[ns]",
    "float64": lambda s: s.dtype == "float64",
    "int64": lambda s: s.dtype == "int64",
    "bool": lambda s: s.dtype in ("bool", "boolean"),
}


@pytest.mark.parametrize("table", list(schema.CANONICAL), ids=str)
def test_columns_and_dtypes_follow_the_schema(
    small_world: dict[str, pd.DataFrame], table: str
) -> None:
    frame = small_world[table]
    expected = ORDER_LINE_COLUMNS if table == "order_lines" else list(schema.CANONICAL[table])
    assert list(frame.columns) == expected
    assert len(frame) > 0
    kinds = schema.CANONICAL[table] | {"unit_cost": "float64"}
    for col in frame.columns:
        assert _PANDAS_KIND[kinds[col]](frame[col]), f"{table}.{col}: {frame[col].dtype}"


def test_ids_are_unique_and_consistent(small_world: dict[str, pd.DataFrame]) -> None:
    customers, products = small_world["customers"], small_world["products"]
    assert customers["customer_id"].is_unique and customers["name"].is_unique
    assert products["product_id"].is_unique
    assert small_world["opportunities"]["quote_id"].is_unique
    for name in ("order_lines", "activities", "opportunities"):
        assert small_world[name]["customer_id"].isin(customers["customer_id"]).all(), name
    assert small_world["order_lines"]["product_id"].isin(products["product_id"]).all()
    assert customers["name"].str.match(r"^[A-Z][\w\- ]+ [\w&. ]+$").all()


def test_lines_are_valid_and_in_cents(small_world: dict[str, pd.DataFrame]) -> None:
    lines = small_world["order_lines"]
    assert (lines["quantity"] != 0).all() and (lines["unit_price"] > 0).all()
    assert lines["order_date"].between("2023-01-01", "2024-12-31").all()
    assert not lines.duplicated().any()  # one line per product and order
    for col in ("unit_price", "discount", "unit_cost"):
        assert np.allclose(lines[col], lines[col].round(2), atol=1e-9), col
    assert set(lines["ship_mode"]) <= set(world.SHIP_MODES)
    assert set(lines["channel"]) <= set(world.ORDER_CHANNELS)
    spend = small_world["acquisition_spend"]
    assert len(spend) == len(world.ACQUISITION_CHANNELS) * 24
    assert (spend["spend"] >= 0).all() and (spend["leads"] >= 0).all()


# ---- mechanisms ----------------------------------------------------------------------------------
def test_returns_are_negative_lines_at_the_same_price(small_world: dict[str, pd.DataFrame]) -> None:
    lines = small_world["order_lines"]
    returns = lines[lines["quantity"] < 0]
    assert len(returns) > 0
    assert (returns["discount"] <= 0).all()
    assert returns["order_id"].str.endswith("-R").all()
    original = lines[lines["quantity"] > 0].set_index(["order_id", "product_id"])
    key = pd.MultiIndex.from_arrays(
        [returns["order_id"].str.removesuffix("-R"), returns["product_id"]]
    )
    src = original.reindex(key)
    assert src["unit_price"].notna().all()
    assert np.allclose(src["unit_price"], returns["unit_price"])
    assert np.allclose(src["unit_cost"], returns["unit_cost"])
    assert (-returns["quantity"].to_numpy() <= src["quantity"].to_numpy()).all()
    assert (returns["order_date"].to_numpy() > src["order_date"].to_numpy()).all()


def test_default_world_gives_big_accounts_better_terms_and_more_service(
    worlds: dict[str, dict[str, pd.DataFrame]],
) -> None:
    tiers = _per_tier(worlds["default"])
    assert tiers["discount_pct"].is_monotonic_increasing
    assert tiers.loc["micro", "discount_pct"] < 0.03 < 0.15 < tiers.loc["large", "discount_pct"]
    assert tiers["visits_per_customer"].is_monotonic_increasing
    assert tiers["visits_per_order"].is_monotonic_increasing
    customers = worlds["default"]["customers"].groupby("size_band")
    assert customers["payment_terms_days"].mean().reindex(TIERS).is_monotonic_increasing
    assert customers["rebate_rate"].mean().reindex(TIERS).is_monotonic_increasing
    assert customers["key_account"].mean()["large"] > 0.5


def test_flat_world_gives_every_size_the_same_terms_and_service_per_order(
    worlds: dict[str, dict[str, pd.DataFrame]],
) -> None:
    tiers = _per_tier(worlds["flat"])
    low, high = world.WorldParams().discount_range[0]
    assert tiers["discount_pct"].between(low, high).all()
    assert tiers["discount_pct"].max() - tiers["discount_pct"].min() < 0.005
    per_order = tiers["visits_per_order"]
    assert per_order.max() / per_order.min() < 1.6  # Poisson noise on few visits
    customers = worlds["flat"]["customers"]
    assert not customers["key_account"].any()
    assert (customers["rebate_rate"] == 0).all()
    by_tier = customers.groupby("size_band")["payment_terms_days"].mean()
    assert by_tier.max() - by_tier.min() < 5
    # orders still grow with size: only terms and service per order are flat
    assert _per_tier(worlds["flat"])["orders"].div(tiers["customers"]).is_monotonic_increasing


def test_flat_is_one_parameter_away() -> None:
    flat = world.PRESETS["flat"]
    differ = [
        f.name
        for f in dataclasses.fields(flat)
        if getattr(flat, f.name) != getattr(world.PRESETS["default"], f.name)
    ]
    assert differ == ["flat"]


def test_about_a_fifth_of_new_small_firms_close_in_their_first_year(
    worlds: dict[str, dict[str, pd.DataFrame]],
) -> None:
    customers = worlds["default"]["customers"]
    start, end = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-01-01")
    new_small = customers[
        customers["size_band"].isin(["micro", "small"])
        & (customers["signup_date"] >= start)
        & (customers["signup_date"] <= end - pd.Timedelta(days=366))
    ]
    closed = (new_small["closed_date"] - new_small["signup_date"]).dt.days <= 366
    params = world.WorldParams()
    shares = np.asarray(params.size_shares[:2])
    expected = float(shares @ np.asarray(params.first_year_closure[:2]) / shares.sum())
    assert len(new_small) > 300
    assert abs(closed.mean() - expected) < 0.05, closed.mean()
    big_new = customers[customers["size_band"].eq("large") & (customers["signup_date"] >= start)]
    assert ((big_new["closed_date"] - big_new["signup_date"]).dt.days <= 366).mean() < 0.1


def test_closed_firms_stop_ordering(worlds: dict[str, dict[str, pd.DataFrame]]) -> None:
    tables = worlds["default"]
    closed = tables["customers"].set_index("customer_id")["closed_date"]
    sales = tables["order_lines"].query("quantity > 0").join(closed, on="customer_id")
    assert (sales["closed_date"].isna() | (sales["order_date"] <= sales["closed_date"])).all()
    assert closed.notna().sum() > 0


def test_new_customers_first_order_on_signup(worlds: dict[str, dict[str, pd.DataFrame]]) -> None:
    tables = worlds["default"]
    customers = tables["customers"].set_index("customer_id")
    first = tables["order_lines"].groupby("customer_id")["order_date"].min()
    new = customers[customers["signup_date"] >= "2023-01-01"]
    assert (first.reindex(new.index) == new["signup_date"]).all()


def test_win_rate_falls_and_time_to_close_rises_with_approval_layers(
    worlds: dict[str, dict[str, pd.DataFrame]],
) -> None:
    quotes = worlds["default"]["opportunities"]
    ordered = quotes.sort_values("amount")
    assert ordered["approval_layers"].is_monotonic_increasing
    assert (quotes.loc[quotes["amount"] < 2000, "approval_layers"] == 1).all()
    decided = quotes[quotes["won"].notna()]
    by_layers = decided[decided["approval_layers"] <= 4].groupby("approval_layers")
    win = by_layers["won"].mean()
    assert list(win.index) == [1, 2, 3, 4]
    assert win.is_monotonic_decreasing
    assert (
        (decided["close_date"] - decided["date"])
        .groupby(decided["approval_layers"])
        .mean()
        .loc[[1, 2, 3, 4]]
        .is_monotonic_increasing
    )
    open_ = quotes[quotes["won"].isna()]
    assert open_["close_date"].isna().all()


def test_small_firms_adopt_new_products_sooner(worlds: dict[str, dict[str, pd.DataFrame]]) -> None:
    tables = worlds["default"]
    products = tables["products"].set_index("product_id")
    assert products["launch_date"].notna().any() and products["launch_date"].isna().any()
    lines = tables["order_lines"].query("quantity > 0").join(_tier_of(tables), on="customer_id")
    is_new = lines["product_id"].map(products["launch_date"].notna())
    share = is_new.groupby(lines["size_band"]).mean().reindex(TIERS)
    assert share["micro"] > share["medium"] > share["large"]
    launch = lines["product_id"].map(products["launch_date"])
    assert (lines["order_date"] >= launch).where(is_new, True).all()


def test_land_and_expand_customers_start_small(worlds: dict[str, dict[str, pd.DataFrame]]) -> None:
    lines = worlds["default"]["order_lines"].query("quantity > 0")
    value = (
        (lines["quantity"] * lines["unit_price"])
        .groupby([lines["customer_id"], lines["order_id"]])
        .sum()
    )
    orders = value.reset_index(name="value").sort_values("order_id")
    orders["k"] = orders.groupby("customer_id").cumcount()
    new = worlds["default"]["customers"].query("signup_date >= '2023-01-01'")["customer_id"]
    orders = orders[orders["customer_id"].isin(new)]
    first = orders.loc[orders["k"] == 0, "value"].mean()
    later = orders.loc[orders["k"].between(6, 20), "value"].mean()
    assert first < later


def test_acquisition_leads_convert_as_configured(
    worlds: dict[str, dict[str, pd.DataFrame]],
) -> None:
    tables = worlds["default"]
    spend = tables["acquisition_spend"].groupby("channel")[["spend", "leads"]].sum()
    new = tables["customers"].query("signup_date >= '2023-01-01'")
    signed = new["acquisition_channel"].value_counts().reindex(spend.index)
    conversion = (signed / spend["leads"]).reindex(list(world.ACQUISITION_CHANNELS))
    expected = np.asarray(world.WorldParams().lead_conversion)
    assert np.allclose(conversion, expected, rtol=0.35)
    cost_per_lead = (spend["spend"] / spend["leads"]).reindex(list(world.ACQUISITION_CHANNELS))
    assert np.allclose(cost_per_lead, world.WorldParams().cost_per_lead, rtol=0.1)


# ---- parameters, presets, writing ----------------------------------------------------------------
def test_every_parameter_is_documented() -> None:
    docs = world.describe_params()
    assert len(docs) == len(dataclasses.fields(world.WorldParams))
    assert docs["doc"].str.len().gt(10).all()


def test_params_for_rejects_unknown_names() -> None:
    assert world.params_for("flat", seed=1).flat and world.params_for("flat", seed=1).seed == 1
    with pytest.raises(ValueError, match="unknown world preset 'round'"):
        world.params_for("round")
    with pytest.raises(ValueError, match="unknown world parameter\\(s\\): colour"):
        world.params_for("default", colour="red")
    with pytest.raises(ValueError, match="discount_range: expected 4 values"):
        world.params_for("default", discount_range=((0.0, 0.1),))


def test_sliders_change_the_world() -> None:
    base = world.params_for("default", n_customers=400, years=1)
    more_large = dataclasses.replace(base, size_shares=(0.4, 0.2, 0.2, 0.2))
    tiers = world.generate(more_large)["customers"]["size_band"].value_counts(normalize=True)
    assert 0.15 < tiers["large"] < 0.25
    no_closure = dataclasses.replace(base, first_year_closure=(0.0, 0.0, 0.0, 0.0))
    customers = world.generate(no_closure)["customers"]
    new = customers[customers["signup_date"] >= "2023-01-01"]
    assert ((new["closed_date"] - new["signup_date"]).dt.days <= 365).sum() == 0


def test_write_world_and_cli_round_trip(tmp_path: Path) -> None:
    assert world.main(["--preset", "flat", "--out", str(tmp_path), "--customers", "300"]) == 0
    expected = world.generate(world.params_for("flat", n_customers=300))
    for name, frame in expected.items():
        assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), frame, obj=name)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "`flat` | `True`" in readme and "order_lines" in readme


@pytest.mark.slow
def test_default_world_at_full_size() -> None:
    start = time.perf_counter()
    tables = world.generate(world.PRESETS["default"])
    seconds = time.perf_counter() - start
    assert len(tables["customers"]) == 5000
    assert 250_000 <= len(tables["order_lines"]) <= 350_000
    assert tables["order_lines"]["order_date"].dt.year.unique().tolist() == [2023, 2024, 2025]
    assert seconds < 30
