"""A seeded synthetic B2B sales world whose mechanisms are explicit, documented parameters.

The world holds the six canonical tables (``order_lines``, ``customers``, ``activities``,
``acquisition_spend``, ``opportunities``, ``products``) as a raw export would. Nothing in it states
a conclusion: it draws customers of every size, their orders, terms, service activities, quotes and
acquisition spend from the parameters of :class:`WorldParams`; whether small or big clients are the
profitable ones only shows once a ledger applies cost rates to these drivers. The **flat world**
(``flat=True``, preset ``"flat"``) gives big accounts the terms and per-order service of the
smallest firms, so there the biggest accounts come out the most profitable.

    python -m helpers.world --preset default --out data/sample/default
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema

__all__ = [
    "TIERS",
    "ACQUISITION_CHANNELS",
    "ORDER_CHANNELS",
    "SHIP_MODES",
    "FLAT_FIELDS",
    "WorldParams",
    "PRESETS",
    "params_for",
    "describe_params",
    "generate",
    "write_world",
    "main",
]

#: size tiers, smallest first; every per-tier parameter is a tuple in this order
TIERS: tuple[str, ...] = ("micro", "small", "medium", "large")
#: acquisition channels; every per-channel parameter is a tuple in this order
ACQUISITION_CHANNELS: tuple[str, ...] = (
    "field_sales",
    "telesales",
    "online",
    "distributor",
    "referral",
    "trade_show",
)
#: channels an order comes through (``order_lines.channel``)
ORDER_CHANNELS: tuple[str, ...] = ("field", "telesales", "online", "distributor")
#: the order channel a customer from each acquisition channel orders through by habit
#: (referral and trade-show customers order through field sales or telesales, by size)
_HABIT_CHANNEL: dict[str, int] = {
    "field_sales": 0,
    "telesales": 1,
    "online": 2,
    "distributor": 3,
    "referral": -1,
    "trade_show": -1,
}
SHIP_MODES: tuple[str, ...] = ("standard", "express", "pickup")
_DAYS_PER_YEAR = 365.25
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12

#: the fields the flat world equalises: with ``flat=True`` every tier takes the micro tier's value
#: (no better terms for big accounts, no key-account teams, the same service per order)
FLAT_FIELDS: tuple[str, ...] = (
    "discount_range",
    "rebate_range",
    "payment_terms_mix",
    "key_account_share",
    "visits_per_order",
    "calls_per_order",
    "calls_per_year",
    "tickets_per_order",
    "express_share",
    "pickup_share",
    "return_line_share",
)


def _p(default: Any, doc: str) -> Any:
    """A parameter with its documentation (unit, meaning, source or rationale of the default)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class WorldParams:
    """Every mechanism of the sample world, one documented field each.

    Per-tier fields are tuples ordered as :data:`TIERS` (micro <10 employees, small 10-49,
    medium 50-249, large 250+, the EU SME size classes); per-channel fields are ordered as
    :data:`ACQUISITION_CHANNELS`. Rates per year are Poisson intensities. Defaults marked
    *assumption* are plausible values chosen to make a believable distributor, not measurements.
    ``describe_params()`` lists every field with its documentation.
    """

    # --- scale and seed ------------------------------------------------------------------------
    n_customers: int = _p(5000, "customers in the world (count), existing and new together")
    start: str = _p("2023-01-01", "first day of the period (ISO date)")
    years: int = _p(3, "length of the period (years); orders fall in [start, start + years)")
    seed: int = _p(42, "seed of numpy's default_rng: same seed and params give identical tables")
    flat: bool = _p(
        False,
        "flat world switch: True gives every tier the micro tier's value of each FLAT_FIELDS "
        "field (terms, key accounts, service per order), so big accounts get no better terms "
        "and cost no more to serve per order",
    )
    # --- customers -----------------------------------------------------------------------------
    size_shares: tuple[float, ...] = _p(
        (0.55, 0.28, 0.13, 0.04),
        "share of customers per size tier (relative weights, normalised). Assumption: a B2B "
        "supplier's book is less skewed than the economy (Eurostat SBS: ~93% of EU firms are "
        "micro) but still mostly small firms",
    )
    employees_range: tuple[tuple[float, float], ...] = _p(
        ((1, 9), (10, 49), (50, 249), (250, 5000)),
        "employees per tier (persons), drawn log-uniform within the range; bounds are the EU "
        "SME size classes (Recommendation 2003/361/EC), 5000 caps the large tier (assumption)",
    )
    existing_share: float = _p(
        0.55,
        "share of customers signed before the start (fraction); they order from day one. The "
        "rest sign during the period, seasonally. Assumption",
    )
    existing_tenure_years: tuple[float, float] = _p(
        (1.0, 12.0),
        "tenure at the start of existing customers (years), uniform. Assumption",
    )
    industries: tuple[str, ...] = _p(
        (
            "construction",
            "manufacturing",
            "retail",
            "hospitality",
            "healthcare",
            "professional services",
            "logistics",
            "education",
            "public sector",
            "agriculture",
        ),
        "industries customers belong to (labels)",
    )
    industry_weights: tuple[float, ...] = _p(
        (0.16, 0.18, 0.14, 0.10, 0.09, 0.12, 0.07, 0.05, 0.04, 0.05),
        "relative frequency of each industry (weights, normalised). Assumption",
    )
    regions: tuple[str, ...] = _p(
        ("north", "south", "east", "west", "central"), "sales regions (labels)"
    )
    region_weights: tuple[float, ...] = _p(
        (0.22, 0.24, 0.16, 0.20, 0.18), "relative frequency of each region (weights). Assumption"
    )
    # --- ordering ------------------------------------------------------------------------------
    orders_per_year: tuple[float, ...] = _p(
        (5.0, 8.0, 14.0, 26.0),
        "mean orders per customer-year by tier (orders/year). Assumption: bigger firms reorder "
        "more often",
    )
    order_rate_sigma: float = _p(
        0.6, "spread of order frequency between customers of a tier (sd of log rate)"
    )
    lines_per_order: tuple[float, ...] = _p(
        (1.5, 3.0, 4.5, 8.0),
        "mean lines per order by tier (lines, >= 1). Assumption: bigger firms buy broader baskets",
    )
    qty_per_line: tuple[float, ...] = _p(
        (1.8, 5.0, 10.0, 22.0),
        "mean units per order line by tier (units, >= 1). Assumption",
    )
    order_size_sigma: float = _p(
        0.5,
        "spread of basket size between customers of a tier (sd of log multiplier on lines and "
        "units)",
    )
    line_qty_sigma: float = _p(0.6, "spread of units between lines (sd of log multiplier)")
    seasonality: tuple[float, ...] = _p(
        (0.85, 0.90, 1.05, 1.00, 1.00, 1.05, 0.85, 0.75, 1.05, 1.10, 1.15, 1.20),
        "monthly multipliers of order, signup and activity intensity, January first (relative). "
        "Assumption: summer lull, year-end rush",
    )
    weekday_weights: tuple[float, ...] = _p(
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.12, 0.03),
        "relative intensity Monday..Sunday (B2B orders fall on working days). Assumption",
    )
    order_channel_habit: float = _p(
        0.85,
        "share of a customer's orders placed through its habitual order channel (fraction); "
        "the rest follow the tier's order-channel mix",
    )
    order_channel_mix: tuple[tuple[float, ...], ...] = _p(
        (
            (0.05, 0.30, 0.50, 0.15),
            (0.15, 0.35, 0.35, 0.15),
            (0.55, 0.25, 0.10, 0.10),
            (0.85, 0.10, 0.03, 0.02),
        ),
        "order channel mix per tier over ORDER_CHANNELS (field, telesales, online, "
        "distributor); also the habitual channel of referral and trade-show customers. "
        "Assumption",
    )
    # --- products ------------------------------------------------------------------------------
    n_products: int = _p(400, "products in the catalogue (count)")
    categories: tuple[str, ...] = _p(
        (
            "fasteners",
            "tools",
            "safety",
            "electrical",
            "cleaning",
            "office",
            "packaging",
            "plumbing",
        ),
        "product categories (labels)",
    )
    price_median: float = _p(35.0, "median list price (currency per unit); prices are lognormal")
    price_sigma: float = _p(1.0, "spread of list prices (sd of log price)")
    cost_ratio_range: tuple[float, float] = _p(
        (0.55, 0.75),
        "unit cost as a fraction of list price, uniform per product (a 25-45% list gross "
        "margin, typical of industrial distribution). Assumption",
    )
    popularity_exponent: float = _p(
        0.8, "Zipf exponent of product popularity (weight of rank k is k**-exponent)"
    )
    price_increase_per_year: float = _p(
        0.03,
        "list price and unit cost increase each 1 January of the period (fraction per year)",
    )
    new_product_share: float = _p(
        0.15,
        "share of products launched during the period (fraction); they carry a launch_date, "
        "the others NaT",
    )
    new_product_line_share: float = _p(
        0.08,
        "share of lines going to new products once all are launched, before the tier's "
        "adoption propensity (fraction)",
    )
    adoption_propensity: tuple[float, ...] = _p(
        (2.0, 1.5, 0.8, 0.5),
        "multiplier of the new-product line share by tier (relative). Premise under test "
        "(DESIGN.md): small clients adopt new products earlier",
    )
    adoption_lag_months: tuple[float, ...] = _p(
        (0.0, 1.0, 4.0, 9.0),
        "months after launch before a tier starts buying a new product (months): supplier and "
        "product approval takes longer in big firms. Assumption",
    )
    # --- negotiated terms ----------------------------------------------------------------------
    discount_range: tuple[tuple[float, float], ...] = _p(
        ((0.0, 0.03), (0.02, 0.06), (0.06, 0.12), (0.15, 0.25)),
        "negotiated line discount rate per customer by tier, uniform in the range (fraction of "
        "list). Premise under test (DESIGN.md): big accounts negotiate deep discounts",
    )
    rebate_range: tuple[tuple[float, float], ...] = _p(
        ((0.0, 0.0), (0.0, 0.0), (0.0, 0.02), (0.02, 0.05)),
        "year-end rebate rate per customer by tier, uniform in the range (fraction of net "
        "revenue). Assumption: volume rebates go to the big accounts",
    )
    payment_terms_options: tuple[float, ...] = _p(
        (14.0, 30.0, 45.0, 60.0, 90.0), "payment terms on offer (days)"
    )
    payment_terms_mix: tuple[tuple[float, ...], ...] = _p(
        (
            (0.5, 0.5, 0.0, 0.0, 0.0),
            (0.2, 0.7, 0.1, 0.0, 0.0),
            (0.0, 0.3, 0.3, 0.4, 0.0),
            (0.0, 0.0, 0.0, 0.6, 0.4),
        ),
        "probability of each payment_terms_options value by tier (weights). Assumption: big "
        "buyers impose 60-90 days",
    )
    key_account_share: tuple[float, ...] = _p(
        (0.0, 0.0, 0.10, 0.80),
        "share of customers with a dedicated key-account team by tier (fraction). Assumption",
    )
    # --- cost-to-serve drivers -----------------------------------------------------------------
    visits_per_order: tuple[float, ...] = _p(
        (0.02, 0.05, 0.15, 0.35),
        "field sales visits per order by tier (visits/order). Assumption: big accounts expect "
        "to be visited",
    )
    key_account_visits_per_year: float = _p(
        12.0, "extra field visits per key-account customer-year (visits/year). Assumption"
    )
    calls_per_order: tuple[float, ...] = _p(
        (0.40, 0.30, 0.20, 0.15), "telesales calls per order by tier (calls/order). Assumption"
    )
    calls_per_year: tuple[float, ...] = _p(
        (1.5, 1.5, 1.0, 0.5),
        "telesales retention calls per customer-year by tier, independent of orders "
        "(calls/year). Assumption",
    )
    tickets_per_order: tuple[float, ...] = _p(
        (0.45, 0.25, 0.20, 0.30),
        "support tickets per order by tier (tickets/order). Assumption: small firms need help "
        "per order, big ones raise tickets on complex deliveries",
    )
    call_minutes: float = _p(15.0, "mean duration of a telesales call (minutes, lognormal)")
    ticket_minutes: float = _p(20.0, "mean handling time of a support ticket (minutes, lognormal)")
    express_share: tuple[float, ...] = _p(
        (0.08, 0.12, 0.25, 0.40), "share of orders shipped express by tier (fraction). Assumption"
    )
    pickup_share: tuple[float, ...] = _p(
        (0.15, 0.10, 0.05, 0.02),
        "share of orders picked up by the customer by tier (fraction); the rest ship standard",
    )
    return_line_share: tuple[float, ...] = _p(
        (0.02, 0.025, 0.03, 0.035),
        "share of order lines partly returned, by tier (fraction); a return is a negative-"
        "quantity line at the same price and cost, order id '<order_id>-R'",
    )
    return_days: tuple[int, int] = _p(
        (3, 30), "days from order to return (uniform, days); returns after the period are dropped"
    )
    # --- acquisition and lead quality ----------------------------------------------------------
    channel_mix: tuple[tuple[float, ...], ...] = _p(
        (
            (0.02, 0.20, 0.45, 0.15, 0.12, 0.06),
            (0.08, 0.25, 0.30, 0.15, 0.14, 0.08),
            (0.30, 0.20, 0.10, 0.10, 0.15, 0.15),
            (0.60, 0.05, 0.02, 0.03, 0.15, 0.15),
        ),
        "acquisition channel mix per tier over ACQUISITION_CHANNELS (weights). Assumption",
    )
    cost_per_lead: tuple[float, ...] = _p(
        (400.0, 60.0, 15.0, 40.0, 25.0, 250.0),
        "acquisition spend per lead by channel (currency/lead). Assumption",
    )
    lead_conversion: tuple[float, ...] = _p(
        (0.25, 0.10, 0.03, 0.15, 0.30, 0.12),
        "share of leads that become customers by channel (fraction). Assumption",
    )
    closure_multiplier: tuple[float, ...] = _p(
        (0.8, 1.1, 1.3, 1.0, 0.6, 0.9),
        "lead quality (survival): relative closure hazard of customers by channel, rescaled so "
        "each tier's average stays first_year_closure (relative). Assumption",
    )
    expand_share: tuple[float, ...] = _p(
        (0.35, 0.25, 0.20, 0.25, 0.45, 0.30),
        "lead quality (growth): share of new customers by channel that land with small trial "
        "orders and expand (fraction). Premise under test (DESIGN.md): start small",
    )
    trial_size: float = _p(
        0.25, "basket multiplier of a land-and-expand customer's first orders (relative)"
    )
    expand_to: float = _p(2.0, "basket multiplier a land-and-expand customer grows to (relative)")
    expand_months: float = _p(
        18.0, "months from signup for a land-and-expand customer to reach expand_to (months)"
    )
    # --- survival ------------------------------------------------------------------------------
    first_year_closure: tuple[float, ...] = _p(
        (0.22, 0.18, 0.08, 0.03),
        "probability that a new customer's firm closes within 12 months of signup, by tier "
        "(fraction). Premise under test (DESIGN.md): about 20% of new small firms close in "
        "their first year (US BLS Business Employment Dynamics: ~20% of new establishments "
        "do not survive their first year)",
    )
    later_closure_per_year: tuple[float, ...] = _p(
        (0.06, 0.05, 0.03, 0.01),
        "closure hazard after the first year by tier (closures per customer-year). Assumption",
    )
    lapse_per_year: tuple[float, ...] = _p(
        (0.10, 0.07, 0.04, 0.02),
        "hazard of lapsing, i.e. stopping ordering without closing (per customer-year); lapsed "
        "customers keep closed_date NaT. Assumption",
    )
    # --- quotes and approvals ------------------------------------------------------------------
    quotes_per_year: tuple[float, ...] = _p(
        (1.0, 2.0, 4.0, 8.0), "quotes per customer-year by tier (quotes/year). Assumption"
    )
    quote_median: tuple[float, ...] = _p(
        (800.0, 3000.0, 12000.0, 60000.0),
        "median quote amount by tier (currency; lognormal). Assumption",
    )
    quote_sigma: float = _p(1.0, "spread of quote amounts (sd of log amount)")
    approval_base: float = _p(
        2000.0,
        "quote amount below which one person approves (currency). Premise under test "
        "(DESIGN.md): a small trial order is approved on the spot",
    )
    approval_step: float = _p(
        5.0, "each multiple of this factor above approval_base adds an approval layer (ratio)"
    )
    max_layers: int = _p(6, "most approval layers a quote can climb (layers)")
    win_base: float = _p(0.60, "win probability of a quote with one approval layer (fraction)")
    win_decay: float = _p(
        0.75,
        "win probability multiplier per extra approval layer (ratio): trust weakens at each "
        "layer (DESIGN.md premise)",
    )
    close_days_base: float = _p(7.0, "mean days to decision with one approval layer (days)")
    close_days_growth: float = _p(
        2.2, "mean days to decision multiplier per extra layer (ratio); gamma distributed"
    )

    def __post_init__(self) -> None:
        n_t, n_c = len(TIERS), len(ACQUISITION_CHANNELS)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _PER_TIER and len(value) != n_t:
                raise ValueError(f"WorldParams.{f.name}: expected {n_t} values (one per tier)")
            if f.name in _PER_CHANNEL and len(value) != n_c:
                raise ValueError(f"WorldParams.{f.name}: expected {n_c} values (one per channel)")
        if self.n_customers < 1 or self.years < 1:
            raise ValueError("WorldParams: n_customers and years must be at least 1")
        if len(self.seasonality) != 12 or len(self.weekday_weights) != 7:
            raise ValueError("WorldParams: seasonality needs 12 values, weekday_weights 7")
        if len(self.industry_weights) != len(self.industries):
            raise ValueError("WorldParams: one industry weight per industry")
        if len(self.region_weights) != len(self.regions):
            raise ValueError("WorldParams: one region weight per region")


_PER_TIER = {
    "size_shares",
    "employees_range",
    "orders_per_year",
    "lines_per_order",
    "qty_per_line",
    "order_channel_mix",
    "adoption_propensity",
    "adoption_lag_months",
    "discount_range",
    "rebate_range",
    "payment_terms_mix",
    "key_account_share",
    "visits_per_order",
    "calls_per_order",
    "calls_per_year",
    "tickets_per_order",
    "express_share",
    "pickup_share",
    "return_line_share",
    "channel_mix",
    "first_year_closure",
    "later_closure_per_year",
    "lapse_per_year",
    "quotes_per_year",
    "quote_median",
}
_PER_CHANNEL = {"cost_per_lead", "lead_conversion", "closure_multiplier", "expand_share"}

PRESETS: dict[str, WorldParams] = {
    "default": WorldParams(),
    "flat": WorldParams(flat=True),
}


def params_for(preset: str = "default", **overrides: Any) -> WorldParams:
    """The parameters of a preset with some fields replaced, e.g. ``params_for("flat", seed=7)``."""
    if preset not in PRESETS:
        raise ValueError(f"unknown world preset {preset!r} (expected one of: {', '.join(PRESETS)})")
    names = {f.name for f in dataclasses.fields(WorldParams)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown world parameter(s): {', '.join(unknown)}")
    return dataclasses.replace(PRESETS[preset], **overrides)


def describe_params(params: WorldParams | None = None) -> pd.DataFrame:
    """One row per parameter: name, value, documentation."""
    params = params or WorldParams()
    return pd.DataFrame(
        [
            {"parameter": f.name, "value": getattr(params, f.name), "doc": f.metadata["doc"]}
            for f in dataclasses.fields(params)
        ]
    )


# ---- helpers ------------------------------------------------------------------------------------
def _tier(params: WorldParams, name: str) -> np.ndarray:
    """A per-tier parameter as an array (rows = tiers), equalised to micro's in the flat world."""
    value = getattr(params, name)
    if params.flat and name in FLAT_FIELDS:
        value = (value[0],) * len(TIERS)
    return np.asarray(value, dtype="float64")


def _weights(values: Any) -> np.ndarray:
    w = np.asarray(values, dtype="float64")
    return w / w.sum(axis=-1, keepdims=True)


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1), vectorised."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1)


def _ids(prefix: str, n: int, width: int) -> pd.Series:
    return pd.Series(np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)))


def _cents(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype="float64"), 2)


def _typed(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` restricted to ``columns`` (schema dtypes: string, date, float64, int64, bool)."""
    out = {}
    for col, dtype in columns.items():
        s = frame[col]
        if dtype == "string":
            out[col] = s.astype("string")
        elif dtype == "date":
            out[col] = s.astype("datetime64[ns]")
        elif dtype == "bool":
            out[col] = s.astype("boolean" if s.isna().any() else "bool")
        else:
            out[col] = s.astype(dtype)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class _Calendar:
    start: pd.Timestamp
    days: int  # days in the period
    cum: np.ndarray  # cumulative daily intensity, cum[d] = intensity of days [0, d)
    per_year: float  # intensity of an average year
    year_of_day: np.ndarray  # 0-based year of the period per day

    def exposure_years(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Seasonal exposure of day windows [a, b) in average years (0 where b <= a)."""
        a = np.clip(np.floor(a), 0, self.days).astype(np.int64)
        b = np.clip(np.ceil(b), 0, self.days).astype(np.int64)
        return np.maximum(self.cum[b] - self.cum[a], 0.0) / self.per_year

    def draw_days(self, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """One day per window [a, b), following the daily intensity."""
        a = np.clip(np.floor(a), 0, self.days).astype(np.int64)
        b = np.clip(np.ceil(b), 0, self.days).astype(np.int64)
        lo, hi = self.cum[a], self.cum[b]
        u = lo + rng.random(len(a)) * (hi - lo)
        day = np.searchsorted(self.cum, u, side="right") - 1
        return np.clip(day, a, np.maximum(b - 1, a))

    def dates(self, day: np.ndarray) -> np.ndarray:
        return (self.start + pd.to_timedelta(np.asarray(day, dtype="int64"), unit="D")).values


def _calendar(params: WorldParams) -> _Calendar:
    start = pd.Timestamp(params.start)
    end = start + pd.DateOffset(years=params.years)
    dates = pd.date_range(start, end, inclusive="left", freq="D")
    w = (
        np.asarray(params.seasonality)[dates.month - 1]
        * np.asarray(params.weekday_weights)[dates.day_of_week]
    )
    cum = np.concatenate([[0.0], np.cumsum(w)])
    return _Calendar(
        start,
        len(dates),
        cum,
        float(w.sum() / params.years),
        (dates.year - start.year).to_numpy(),
    )


# ---- customer names -----------------------------------------------------------------------------
_NAME_FIRST = (
    "Alpine", "Atlas", "Beacon", "Birch", "Blue Ridge", "Cedar", "Coastal", "Copper", "Crescent",
    "Crown", "Delta", "Eagle", "Evergreen", "Falcon", "Granite", "Harbor", "Highland", "Horizon",
    "Iron", "Keystone", "Lakeside", "Liberty", "Maple", "Meridian", "Midland", "Northstar",
    "Oak", "Orion", "Pacific", "Pioneer", "Prairie", "Redwood", "Riverside", "Silverline",
    "Summit", "Sunrise", "Tri-County", "Valley", "Westfield", "Zenith",
)  # fmt: skip
_NAME_TRADE = (
    "Bakery", "Builders", "Carpentry", "Catering", "Clinic", "Construction", "Dental", "Design",
    "Electric", "Engineering", "Fabrication", "Foods", "Freight", "Furniture", "Glass",
    "Hardware", "Health", "Interiors", "Labs", "Landscaping", "Logistics", "Machining",
    "Marine", "Media", "Metalworks", "Motors", "Optics", "Packaging", "Pharma", "Plastics",
    "Plumbing", "Printing", "Robotics", "Roofing", "Software", "Solar", "Steel", "Textiles",
    "Tools", "Veterinary",
)  # fmt: skip
_NAME_FORM = (
    "Ltd", "GmbH", "Inc.", "& Co.", "Group", "Partners", "LLC", "AG", "Holdings", "& Sons",
)  # fmt: skip


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Deterministic company-like names, unique while the word lists allow."""
    a, b, c = len(_NAME_FIRST), len(_NAME_TRADE), len(_NAME_FORM)
    combos = a * b * c
    k = rng.choice(combos, size=n, replace=n > combos)
    first = np.asarray(_NAME_FIRST)[k // (b * c)]
    trade = np.asarray(_NAME_TRADE)[(k // c) % b]
    form = np.asarray(_NAME_FORM)[k % c]
    names = np.char.add(np.char.add(np.char.add(first, " "), np.char.add(trade, " ")), form)
    if n > combos:  # more customers than combinations: number the repeats
        dup = pd.Series(names).groupby(names).cumcount().to_numpy()
        names = np.where(
            dup > 0, np.char.add(names, np.char.add(" ", (dup + 1).astype(str))), names
        )
    return names


# ---- the tables -----------------------------------------------------------------------------------
def _products(params: WorldParams, rng: np.random.Generator, cal: _Calendar) -> dict[str, Any]:
    n = params.n_products
    price = params.price_median * np.exp(params.price_sigma * rng.standard_normal(n))
    price = np.maximum(_cents(price), 0.5)
    lo, hi = params.cost_ratio_range
    cost = _cents(price * rng.uniform(lo, hi, n))
    category = rng.choice(len(params.categories), n)
    is_new = np.zeros(n, dtype=bool)
    n_new = int(round(params.new_product_share * n))
    is_new[rng.choice(n, n_new, replace=False)] = True
    launch = np.full(n, np.nan)
    launch[is_new] = rng.integers(0, max(cal.days - 90, 1), n_new)
    popularity = np.arange(1, n + 1, dtype="float64") ** -params.popularity_exponent
    popularity = popularity[rng.permutation(n)]
    old = np.flatnonzero(~is_new)
    new_sorted = np.flatnonzero(is_new)[np.argsort(launch[is_new], kind="stable")]
    frame = pd.DataFrame(
        {
            "product_id": _ids("P", n, 4),
            "category": np.asarray(params.categories)[category],
            "list_price": price,
            "launch_date": pd.Series(
                cal.start + pd.to_timedelta(launch, unit="D"), dtype="datetime64[ns]"
            ),
        }
    )
    return {
        "frame": _typed(frame, schema.PRODUCTS),
        "price": price,
        "cost": cost,
        "old": old,
        "old_cdf": np.cumsum(popularity[old]) / popularity[old].sum(),
        "new_sorted": new_sorted,
        "new_launch": launch[new_sorted],
    }


def _customers(params: WorldParams, rng: np.random.Generator, cal: _Calendar) -> dict[str, Any]:
    """Who the customers are, their terms, and when they sign, close or lapse (days from start)."""
    n = params.n_customers
    tier = rng.choice(len(TIERS), n, p=_weights(params.size_shares))
    lo, hi = _tier(params, "employees_range")[tier].T
    employees = np.clip(np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))), lo, hi)
    channel = _choice_rows(rng, _weights(_tier(params, "channel_mix"))[tier])
    existing = rng.random(n) < params.existing_share
    t_lo, t_hi = params.existing_tenure_years
    signup = np.where(
        existing,
        -np.round(rng.uniform(t_lo, t_hi, n) * _DAYS_PER_YEAR),
        cal.draw_days(rng, np.zeros(n), np.full(n, cal.days)),
    ).astype(np.int64)
    # closure: a first-year hazard for new firms (lead quality by channel, tier mean kept),
    # a lower yearly hazard afterwards; existing customers are past their first year
    mult = np.asarray(params.closure_multiplier)
    mix = _weights(_tier(params, "channel_mix"))
    p_first = np.clip(
        _tier(params, "first_year_closure")[tier] * mult[channel] / (mix @ mult)[tier], 0, 1
    )
    later = _tier(params, "later_closure_per_year")[tier]
    first_close = rng.random(n) < p_first
    wait_later = rng.exponential(1.0, n) / np.maximum(later, 1e-12) * _DAYS_PER_YEAR
    close = np.where(
        existing,
        wait_later,
        np.where(
            first_close,
            signup + rng.uniform(0, _DAYS_PER_YEAR, n),
            signup + _DAYS_PER_YEAR + wait_later,
        ),
    )
    lapse_rate = np.maximum(_tier(params, "lapse_per_year")[tier], 1e-12)
    active_from = np.maximum(signup, 0)
    lapse = active_from + rng.exponential(1.0, n) / lapse_rate * _DAYS_PER_YEAR
    until = np.minimum(np.minimum(close, lapse), cal.days)
    closed = close < cal.days
    expands = ~existing & (rng.random(n) < np.asarray(params.expand_share)[channel])
    d_lo, d_hi = _tier(params, "discount_range")[tier].T
    r_lo, r_hi = _tier(params, "rebate_range")[tier].T
    terms = np.asarray(params.payment_terms_options)[
        _choice_rows(rng, _weights(_tier(params, "payment_terms_mix"))[tier])
    ]
    key_account = rng.random(n) < _tier(params, "key_account_share")[tier]
    region = rng.choice(len(params.regions), n, p=_weights(params.region_weights))
    industry = rng.choice(len(params.industries), n, p=_weights(params.industry_weights))
    habit = np.array([_HABIT_CHANNEL[ch] for ch in ACQUISITION_CHANNELS])[channel]
    fallback = _choice_rows(rng, _weights(np.asarray(params.order_channel_mix))[tier])
    habit = np.where(habit < 0, fallback, habit)
    # customer ids follow signup order (existing customers first)
    order = np.argsort(signup, kind="stable")
    cols = {
        "tier": tier,
        "employees": employees,
        "channel": channel,
        "existing": existing,
        "signup": signup,
        "close": close,
        "closed": closed,
        "active_from": active_from,
        "until": until,
        "expands": expands,
        "discount": rng.uniform(d_lo, d_hi),
        "rebate": np.round(rng.uniform(r_lo, r_hi), 4),
        "terms": terms,
        "key_account": key_account,
        "region": region,
        "industry": industry,
        "habit": habit,
        "order_rate": np.exp(params.order_rate_sigma * rng.standard_normal(n) - 0.5 * params.order_rate_sigma**2),
        "size": np.exp(params.order_size_sigma * rng.standard_normal(n) - 0.5 * params.order_size_sigma**2),
    }  # fmt: skip
    cols = {k: v[order] for k, v in cols.items()}
    cols["name"] = _names(rng, n)
    cols["id"] = _ids("C", n, 5).to_numpy()
    return cols


def _customers_frame(params: WorldParams, c: dict[str, Any], cal: _Calendar) -> pd.DataFrame:
    close_day = np.where(c["closed"], np.floor(c["close"]), np.nan)
    frame = pd.DataFrame(
        {
            "customer_id": c["id"],
            "name": c["name"],
            "employees": c["employees"],
            "size_band": np.asarray(TIERS)[c["tier"]],
            "industry": np.asarray(params.industries)[c["industry"]],
            "region": np.asarray(params.regions)[c["region"]],
            "acquisition_channel": np.asarray(ACQUISITION_CHANNELS)[c["channel"]],
            "signup_date": cal.dates(c["signup"]),
            "closed_date": pd.Series(cal.start + pd.to_timedelta(close_day, unit="D")),
            "payment_terms_days": c["terms"],
            "rebate_rate": c["rebate"],
            "key_account": c["key_account"],
        }
    )
    return _typed(frame, schema.CUSTOMERS)


def _basket_multiplier(
    params: WorldParams, c: dict[str, Any], cust: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Land and expand: trial-sized baskets at signup growing to ``expand_to``."""
    months = (day - c["signup"][cust]) / _DAYS_PER_MONTH
    ramp = np.clip(months / max(params.expand_months, 1e-9), 0.0, 1.0)
    grow = params.trial_size + (params.expand_to - params.trial_size) * ramp
    return np.where(c["expands"][cust], grow, 1.0)


def _orders(
    params: WorldParams, rng: np.random.Generator, cal: _Calendar, c: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Order headers: a new customer's first order is on its signup day, then Poisson arrivals."""
    tier = c["tier"]
    rate = _tier(params, "orders_per_year")[tier] * c["order_rate"]
    first = ~c["existing"] & (c["signup"] < cal.days)
    # after a new customer's first order, arrivals start the next day
    a = np.where(first, c["active_from"] + 1, c["active_from"]).astype("float64")
    b = c["until"]
    n_more = rng.poisson(rate * cal.exposure_years(a, b))
    later = np.repeat(np.arange(len(tier)), n_more)
    cust = np.concatenate([np.flatnonzero(first), later])
    day = np.concatenate([c["signup"][first], cal.draw_days(rng, a[later], b[later])])
    keep = day < cal.days
    cust, day = cust[keep], day[keep]
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]
    t = tier[cust]
    habit = rng.random(len(cust)) < params.order_channel_habit
    other = _choice_rows(rng, _weights(np.asarray(params.order_channel_mix))[t])
    channel = np.where(habit, c["habit"][cust], other)
    u = rng.random(len(cust))
    express = _tier(params, "express_share")[t]
    pickup = _tier(params, "pickup_share")[t]
    ship = np.where(u < express, 1, np.where(u < express + pickup, 2, 0))
    return {
        "cust": cust,
        "day": day,
        "channel": channel,
        "ship": ship,
        "mult": _basket_multiplier(params, c, cust, day) * c["size"][cust],
        "id": _ids("O", len(cust), 7).to_numpy(),
    }


def _pick_products(
    params: WorldParams,
    rng: np.random.Generator,
    prods: dict[str, Any],
    tier: np.ndarray,
    day: np.ndarray,
) -> np.ndarray:
    """Established products by popularity; launched ones by each tier's adoption lag and propensity."""
    n = len(day)
    product = prods["old"][np.searchsorted(prods["old_cdf"], rng.random(n), side="right")]
    product = np.minimum(product, params.n_products - 1)
    new_sorted = prods["new_sorted"]
    if len(new_sorted):
        lag = _tier(params, "adoption_lag_months")[tier] * _DAYS_PER_MONTH
        # launched products this tier already buys: launch + lag <= day (launches are sorted)
        k = np.searchsorted(prods["new_launch"], day - lag, side="right")
        p_new = (
            params.new_product_line_share
            * _tier(params, "adoption_propensity")[tier]
            * k
            / len(new_sorted)
        )
        pick_new = (rng.random(n) < p_new) & (k > 0)
        idx = np.floor(rng.random(n) * np.maximum(k, 1)).astype(np.int64)
        product = np.where(pick_new, new_sorted[np.minimum(idx, len(new_sorted) - 1)], product)
    return product


def _order_lines(
    params: WorldParams,
    rng: np.random.Generator,
    cal: _Calendar,
    c: dict[str, Any],
    o: dict[str, Any],
    prods: dict[str, Any],
) -> pd.DataFrame:
    t = c["tier"][o["cust"]]
    mult = o["mult"]
    n_lines = 1 + rng.poisson((_tier(params, "lines_per_order")[t] - 1) * np.sqrt(mult))
    line_order = np.repeat(np.arange(len(t)), n_lines)
    lt, lday = t[line_order], o["day"][line_order]
    noise = np.exp(
        params.line_qty_sigma * rng.standard_normal(len(lt)) - 0.5 * params.line_qty_sigma**2
    )
    qty = 1 + rng.poisson((_tier(params, "qty_per_line")[lt] - 1) * np.sqrt(mult[line_order]) * noise)  # fmt: skip
    product = _pick_products(params, rng, prods, lt, lday)
    # a product drawn twice for one order is one line with the summed quantity
    _, first, inverse = np.unique(
        line_order * params.n_products + product, return_index=True, return_inverse=True
    )
    qty = np.bincount(inverse, weights=qty).astype(np.int64)
    line_order, product = line_order[first], product[first]
    lt, lday = t[line_order], o["day"][line_order]
    inflation = (1 + params.price_increase_per_year) ** cal.year_of_day[lday]
    price = _cents(prods["price"][product] * inflation)
    cost = _cents(prods["cost"][product] * inflation)
    rate = c["discount"][o["cust"]][line_order]
    discount = _cents(rate * qty * price)
    # returns: part of a line comes back a few days later at the same price, cost and discount rate
    returned = rng.random(len(lt)) < _tier(params, "return_line_share")[lt]
    r = np.flatnonzero(returned)
    r_qty = np.floor(rng.random(len(r)) * qty[r]) + 1
    r_day = lday[r] + rng.integers(params.return_days[0], params.return_days[1] + 1, len(r))
    ok = r_day < cal.days
    r, r_qty, r_day = r[ok], r_qty[ok], r_day[ok]
    src = np.concatenate([np.arange(len(lt)), r])
    cust = o["cust"][line_order][src]
    frame = pd.DataFrame(
        {
            "order_id": np.concatenate([o["id"][line_order], np.char.add(o["id"][line_order[r]], "-R")]),
            "customer_id": c["id"][cust],
            "order_date": cal.dates(np.concatenate([lday, r_day])),
            "product_id": prods["frame"]["product_id"].to_numpy()[product[src]],
            "quantity": np.concatenate([qty, -r_qty]).astype("float64"),
            "unit_price": price[src],
            "discount": np.concatenate([discount, -_cents(discount[r] * r_qty / qty[r])]),
            "unit_cost": cost[src],
            "channel": np.asarray(ORDER_CHANNELS)[o["channel"][line_order][src]],
            "region": np.asarray(params.regions)[c["region"][cust]],
            "ship_mode": np.asarray(SHIP_MODES)[o["ship"][line_order][src]],
        }
    )  # fmt: skip
    frame = frame.sort_values(["order_date", "order_id"], kind="stable", ignore_index=True)
    columns = {k: v for k, v in schema.ORDER_LINES.items() if k in frame} | {"unit_cost": "float64"}
    return _typed(frame, {k: columns[k] for k in frame.columns})


def _activities(
    params: WorldParams,
    rng: np.random.Generator,
    cal: _Calendar,
    c: dict[str, Any],
    o: dict[str, Any],
) -> pd.DataFrame:
    """Visits, telesales calls and support tickets: per order, per year, and for key accounts."""
    tier = c["tier"]
    n_orders = np.bincount(o["cust"], minlength=len(tier)).astype("float64")
    years = cal.exposure_years(c["active_from"], c["until"])
    expected = {
        "sales_visit": _tier(params, "visits_per_order")[tier] * n_orders
        + c["key_account"] * params.key_account_visits_per_year * years,
        "telesales_call": _tier(params, "calls_per_order")[tier] * n_orders
        + _tier(params, "calls_per_year")[tier] * years,
        "support_ticket": _tier(params, "tickets_per_order")[tier] * n_orders,
    }
    minutes = {"sales_visit": np.nan, "telesales_call": params.call_minutes, "support_ticket": params.ticket_minutes}  # fmt: skip
    parts = []
    for activity, lam in expected.items():
        count = rng.poisson(lam)
        cust = np.repeat(np.arange(len(tier)), count)
        day = cal.draw_days(rng, c["active_from"][cust], c["until"][cust])
        mean = minutes[activity]
        mins = (
            np.full(len(cust), np.nan)
            if np.isnan(mean)
            else np.round(mean * np.exp(0.5 * rng.standard_normal(len(cust)) - 0.125), 1)
        )
        parts.append(
            pd.DataFrame(
                {"cust": cust, "day": day, "activity": activity, "quantity": 1.0, "minutes": mins}
            )
        )
    acts = pd.concat(parts, ignore_index=True).sort_values(["day", "cust"], kind="stable")
    frame = pd.DataFrame(
        {
            "customer_id": c["id"][acts["cust"].to_numpy()],
            "date": cal.dates(acts["day"].to_numpy()),
            "activity": acts["activity"].to_numpy(),
            "quantity": acts["quantity"].to_numpy(),
            "minutes": acts["minutes"].to_numpy(),
        }
    )
    return _typed(frame, schema.ACTIVITIES)


def _opportunities(
    params: WorldParams, rng: np.random.Generator, cal: _Calendar, c: dict[str, Any]
) -> pd.DataFrame:
    """Quotes: approval layers rise with the amount; each layer lowers the win rate and adds time."""
    tier = c["tier"]
    years = cal.exposure_years(c["active_from"], c["until"])
    count = rng.poisson(_tier(params, "quotes_per_year")[tier] * years)
    cust = np.repeat(np.arange(len(tier)), count)
    day = cal.draw_days(rng, c["active_from"][cust], c["until"][cust])
    t = tier[cust]
    median = _tier(params, "quote_median")[t] * _basket_multiplier(params, c, cust, day)
    amount = _cents(median * np.exp(params.quote_sigma * rng.standard_normal(len(cust))))
    amount = np.maximum(amount, 1.0)
    steps = np.floor(np.log(np.maximum(amount, 1e-9) / params.approval_base) / np.log(params.approval_step))  # fmt: skip
    layers = np.clip(np.where(amount < params.approval_base, 1, 2 + steps), 1, params.max_layers)
    layers = layers.astype(np.int64)
    won = rng.random(len(cust)) < params.win_base * params.win_decay ** (layers - 1)
    mean_days = params.close_days_base * params.close_days_growth ** (layers - 1)
    close_day = day + np.ceil(rng.gamma(2.0, mean_days / 2.0))
    open_ = close_day >= cal.days
    order = np.lexsort((cust, day))
    frame = pd.DataFrame(
        {
            "quote_id": _ids("Q", len(cust), 6).to_numpy(),
            "customer_id": c["id"][cust][order],
            "date": cal.dates(day[order]),
            "amount": amount[order],
            "approval_layers": layers[order],
            "won": pd.array(np.where(open_, None, won)[order], dtype="boolean"),
            "close_date": pd.Series(
                cal.start + pd.to_timedelta(np.where(open_, np.nan, close_day)[order], unit="D")
            ),
        }
    )
    return _typed(frame, schema.OPPORTUNITIES)


def _acquisition_spend(
    params: WorldParams, rng: np.random.Generator, cal: _Calendar, c: dict[str, Any]
) -> pd.DataFrame:
    """Monthly leads and spend per channel, consistent with the customers each channel signed."""
    months = pd.date_range(cal.start, periods=params.years * 12, freq="MS")
    new = (c["signup"] >= 0) & (c["signup"] < cal.days)
    month_idx = (cal.dates(c["signup"][new]).astype("datetime64[M]") - np.datetime64(cal.start, "M")).astype(np.int64)  # fmt: skip
    n_ch = len(ACQUISITION_CHANNELS)
    signed = np.zeros((n_ch, len(months)))
    np.add.at(signed, (c["channel"][new], month_idx), 1)
    conv = np.asarray(params.lead_conversion)[:, None]
    # leads that did not convert: Poisson around the channel's conversion rate (a floor keeps
    # months without a signup from showing zero leads)
    floor = np.maximum(signed.mean(axis=1, keepdims=True) * 0.5, 0.5)
    leads = signed + rng.poisson(np.maximum(signed, floor) * (1 / conv - 1))
    spend = leads * np.asarray(params.cost_per_lead)[:, None] * np.exp(0.15 * rng.standard_normal(leads.shape))  # fmt: skip
    frame = pd.DataFrame(
        {
            "channel": np.repeat(np.asarray(ACQUISITION_CHANNELS), len(months)),
            "month": np.tile(months.values, n_ch),
            "spend": _cents(spend.ravel()),
            "leads": leads.ravel().astype("float64"),
        }
    )
    return _typed(frame, schema.ACQUISITION_SPEND)


def generate(params: WorldParams | None = None) -> dict[str, pd.DataFrame]:
    """Generate the world's six tables, as a raw export would hold them.

    Returns
    -------
    dict
        ``order_lines`` (order_id, customer_id, order_date, product_id, quantity, unit_price,
        discount, unit_cost, channel, region, ship_mode; returns have negative quantity and
        discount), and ``customers``, ``activities``, ``acquisition_spend``, ``opportunities``,
        ``products`` with the columns of :mod:`helpers.schema`. Same params, same tables.
    """
    params = params or WorldParams()
    streams = np.random.default_rng(params.seed).spawn(7)
    cal = _calendar(params)
    prods = _products(params, streams[0], cal)
    cust = _customers(params, streams[1], cal)
    orders = _orders(params, streams[2], cal, cust)
    return {
        "order_lines": _order_lines(params, streams[3], cal, cust, orders, prods),
        "customers": _customers_frame(params, cust, cal),
        "activities": _activities(params, streams[4], cal, cust, orders),
        "acquisition_spend": _acquisition_spend(params, streams[5], cal, cust),
        "opportunities": _opportunities(params, streams[6], cal, cust),
        "products": prods["frame"],
    }


# ---- writing ------------------------------------------------------------------------------------
def _readme(tables: Mapping[str, pd.DataFrame], params: WorldParams | None) -> str:
    lines = [
        "# Synthetic B2B sales world",
        "",
        "Generated by `helpers.world` (seeded: the same parameters give identical tables). The",
        "mechanisms below are assumptions of a made-up distributor, not findings: profit per",
        "customer only emerges once the ledger applies cost rates to these drivers.",
        "",
        "## Tables",
        "",
        "| table | rows | columns |",
        "|---|---:|---|",
    ]
    for name, frame in tables.items():
        lines.append(f"| `{name}` | {len(frame):,} | {', '.join(frame.columns)} |")
    lines += [
        "",
        "`order_lines.unit_price` is the list price per unit (list prices rise each 1 January by",
        "`price_increase_per_year`), `discount` the line discount amount in currency, `unit_cost`",
        "the cost per unit. Returns are lines with negative quantity and discount at the same",
        "price and cost, order id `<order_id>-R`. `activities` holds sales visits, telesales calls",
        "(with minutes) and support tickets (with minutes); orders, lines, deliveries (`ship_mode`)",
        "and returns are drivers to derive from `order_lines`, key-account teams from",
        "`customers.key_account`, financing from `customers.payment_terms_days`. Open quotes have",
        "`won` and `close_date` empty.",
        "",
        "The flat world (`flat: True`) gives every size tier the micro tier's value of: "
        + ", ".join(f"`{f}`" for f in FLAT_FIELDS)
        + ".",
    ]
    if params is not None:
        lines += ["", "## Parameters", "", "| parameter | value | meaning |", "|---|---|---|"]
        for row in describe_params(params).itertuples():
            lines.append(f"| `{row.parameter}` | `{row.value}` | {row.doc} |")
    return "\n".join(lines) + "\n"


def write_world(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, params: WorldParams | None = None
) -> list[Path]:
    """Write ``<table>.parquet`` for every table and a ``README.md`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)
        written.append(path)
    readme = out / "README.md"
    readme.write_text(_readme(tables, params), encoding="utf-8")
    written.append(readme)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.world --preset default|flat --out DIR [--customers N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.world", description="Generate the synthetic B2B sales world."
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument("--out", required=True, help="folder for the Parquet tables")
    parser.add_argument("--customers", type=int, help="number of customers")
    parser.add_argument("--seed", type=int, help="random seed")
    parser.add_argument("--years", type=int, help="length of the period in years")
    args = parser.parse_args(argv)
    overrides = {
        k: v
        for k, v in (("n_customers", args.customers), ("seed", args.seed), ("years", args.years))
        if v is not None
    }
    params = params_for(args.preset, **overrides)
    began = time.perf_counter()
    tables = generate(params)
    write_world(tables, args.out, params)
    rows = ", ".join(f"{k} {len(v):,}" for k, v in tables.items())
    print(f"{args.preset} world -> {args.out}: {rows} ({time.perf_counter() - began:.1f} s)")
    return 0
