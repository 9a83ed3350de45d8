"""The sample world's parameters: every mechanism a documented field, and the named presets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

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
#: how an order reaches the customer (``order_lines.ship_mode``)
SHIP_MODES: tuple[str, ...] = ("standard", "express", "pickup")

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


def _param(default: Any, doc: str) -> Any:
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

    Raises
    ------
    ValueError
        When a per-tier or per-channel field has the wrong number of values, ``n_customers`` or
        ``years`` is below 1, or the seasonality, weekday, industry or region weights do not
        match what they weigh.
    """

    # --- scale and seed ------------------------------------------------------------------------
    n_customers: int = _param(5000, "customers in the world (count), existing and new together")
    start: str = _param("2023-01-01", "first day of the period (ISO date)")
    years: int = _param(3, "length of the period (years); orders fall in [start, start + years)")
    seed: int = _param(
        42, "seed of numpy's default_rng: same seed and params give identical tables"
    )
    flat: bool = _param(
        False,
        "flat world switch: True gives every tier the micro tier's value of each FLAT_FIELDS "
        "field (terms, key accounts, service per order), so big accounts get no better terms "
        "and cost no more to serve per order",
    )
    # --- customers -----------------------------------------------------------------------------
    size_shares: tuple[float, ...] = _param(
        (0.55, 0.28, 0.13, 0.04),
        "share of customers per size tier (relative weights, normalised). Assumption: a B2B "
        "supplier's book is less skewed than the economy (Eurostat SBS: ~93% of EU firms are "
        "micro) but still mostly small firms",
    )
    employees_range: tuple[tuple[float, float], ...] = _param(
        ((1, 9), (10, 49), (50, 249), (250, 5000)),
        "employees per tier (persons), drawn log-uniform within the range; bounds are the EU "
        "SME size classes (Recommendation 2003/361/EC), 5000 caps the large tier (assumption)",
    )
    existing_share: float = _param(
        0.55,
        "share of customers signed before the start (fraction); they order from day one. The "
        "rest sign during the period, seasonally. Assumption",
    )
    existing_tenure_years: tuple[float, float] = _param(
        (1.0, 12.0),
        "tenure at the start of existing customers (years), uniform. Assumption",
    )
    industries: tuple[str, ...] = _param(
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
    industry_weights: tuple[float, ...] = _param(
        (0.16, 0.18, 0.14, 0.10, 0.09, 0.12, 0.07, 0.05, 0.04, 0.05),
        "relative frequency of each industry (weights, normalised). Assumption",
    )
    regions: tuple[str, ...] = _param(
        ("north", "south", "east", "west", "central"), "sales regions (labels)"
    )
    region_weights: tuple[float, ...] = _param(
        (0.22, 0.24, 0.16, 0.20, 0.18), "relative frequency of each region (weights). Assumption"
    )
    # --- ordering ------------------------------------------------------------------------------
    orders_per_year: tuple[float, ...] = _param(
        (5.0, 8.0, 14.0, 26.0),
        "mean orders per customer-year by tier (orders/year). Assumption: bigger firms reorder "
        "more often",
    )
    order_rate_sigma: float = _param(
        0.6, "spread of order frequency between customers of a tier (sd of log rate)"
    )
    lines_per_order: tuple[float, ...] = _param(
        (1.5, 3.0, 4.5, 8.0),
        "mean lines per order by tier (lines, >= 1). Assumption: bigger firms buy broader baskets",
    )
    qty_per_line: tuple[float, ...] = _param(
        (1.8, 5.0, 10.0, 22.0),
        "mean units per order line by tier (units, >= 1). Assumption",
    )
    order_size_sigma: float = _param(
        0.5,
        "spread of basket size between customers of a tier (sd of log multiplier on lines and "
        "units)",
    )
    line_qty_sigma: float = _param(0.6, "spread of units between lines (sd of log multiplier)")
    seasonality: tuple[float, ...] = _param(
        (0.85, 0.90, 1.05, 1.00, 1.00, 1.05, 0.85, 0.75, 1.05, 1.10, 1.15, 1.20),
        "monthly multipliers of order, signup and activity intensity, January first (relative). "
        "Assumption: summer lull, year-end rush",
    )
    weekday_weights: tuple[float, ...] = _param(
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.12, 0.03),
        "relative intensity Monday..Sunday (B2B orders fall on working days). Assumption",
    )
    order_channel_habit: float = _param(
        0.85,
        "share of a customer's orders placed through its habitual order channel (fraction); "
        "the rest follow the tier's order-channel mix",
    )
    order_channel_mix: tuple[tuple[float, ...], ...] = _param(
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
    n_products: int = _param(400, "products in the catalogue (count)")
    categories: tuple[str, ...] = _param(
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
    price_median: float = _param(
        35.0, "median list price (currency per unit); prices are lognormal"
    )
    price_sigma: float = _param(1.0, "spread of list prices (sd of log price)")
    cost_ratio_range: tuple[float, float] = _param(
        (0.55, 0.75),
        "unit cost as a fraction of list price, uniform per product (a 25-45% list gross "
        "margin, typical of industrial distribution). Assumption",
    )
    popularity_exponent: float = _param(
        0.8, "Zipf exponent of product popularity (weight of rank k is k**-exponent)"
    )
    price_increase_per_year: float = _param(
        0.03,
        "list price and unit cost increase each 1 January of the period (fraction per year)",
    )
    new_product_share: float = _param(
        0.15,
        "share of products launched during the period (fraction); they carry a launch_date, "
        "the others NaT",
    )
    new_product_line_share: float = _param(
        0.08,
        "share of lines going to new products once all are launched, before the tier's "
        "adoption propensity (fraction)",
    )
    adoption_propensity: tuple[float, ...] = _param(
        (2.0, 1.5, 0.8, 0.5),
        "multiplier of the new-product line share by tier (relative). Premise under test "
        "(DESIGN.md): small clients adopt new products earlier",
    )
    adoption_lag_months: tuple[float, ...] = _param(
        (0.0, 1.0, 4.0, 9.0),
        "months after launch before a tier starts buying a new product (months): supplier and "
        "product approval takes longer in big firms. Assumption",
    )
    # --- negotiated terms ----------------------------------------------------------------------
    discount_range: tuple[tuple[float, float], ...] = _param(
        ((0.0, 0.03), (0.02, 0.06), (0.06, 0.12), (0.15, 0.25)),
        "negotiated line discount rate per customer by tier, uniform in the range (fraction of "
        "list). Premise under test (DESIGN.md): big accounts negotiate deep discounts",
    )
    rebate_range: tuple[tuple[float, float], ...] = _param(
        ((0.0, 0.0), (0.0, 0.0), (0.0, 0.02), (0.02, 0.05)),
        "year-end rebate rate per customer by tier, uniform in the range (fraction of net "
        "revenue). Assumption: volume rebates go to the big accounts",
    )
    payment_terms_options: tuple[float, ...] = _param(
        (14.0, 30.0, 45.0, 60.0, 90.0), "payment terms on offer (days)"
    )
    payment_terms_mix: tuple[tuple[float, ...], ...] = _param(
        (
            (0.5, 0.5, 0.0, 0.0, 0.0),
            (0.2, 0.7, 0.1, 0.0, 0.0),
            (0.0, 0.3, 0.3, 0.4, 0.0),
            (0.0, 0.0, 0.0, 0.6, 0.4),
        ),
        "probability of each payment_terms_options value by tier (weights). Assumption: big "
        "buyers impose 60-90 days",
    )
    key_account_share: tuple[float, ...] = _param(
        (0.0, 0.0, 0.10, 0.80),
        "share of customers with a dedicated key-account team by tier (fraction). Assumption",
    )
    # --- cost-to-serve drivers -----------------------------------------------------------------
    visits_per_order: tuple[float, ...] = _param(
        (0.02, 0.05, 0.15, 0.35),
        "field sales visits per order by tier (visits/order). Assumption: big accounts expect "
        "to be visited",
    )
    key_account_visits_per_year: float = _param(
        12.0, "extra field visits per key-account customer-year (visits/year). Assumption"
    )
    calls_per_order: tuple[float, ...] = _param(
        (0.40, 0.30, 0.20, 0.15), "telesales calls per order by tier (calls/order). Assumption"
    )
    calls_per_year: tuple[float, ...] = _param(
        (1.5, 1.5, 1.0, 0.5),
        "telesales retention calls per customer-year by tier, independent of orders "
        "(calls/year). Assumption",
    )
    tickets_per_order: tuple[float, ...] = _param(
        (0.45, 0.25, 0.20, 0.30),
        "support tickets per order by tier (tickets/order). Assumption: small firms need help "
        "per order, big ones raise tickets on complex deliveries",
    )
    call_minutes: float = _param(15.0, "mean duration of a telesales call (minutes, lognormal)")
    ticket_minutes: float = _param(
        20.0, "mean handling time of a support ticket (minutes, lognormal)"
    )
    express_share: tuple[float, ...] = _param(
        (0.08, 0.12, 0.25, 0.40), "share of orders shipped express by tier (fraction). Assumption"
    )
    pickup_share: tuple[float, ...] = _param(
        (0.15, 0.10, 0.05, 0.02),
        "share of orders picked up by the customer by tier (fraction); the rest ship standard",
    )
    return_line_share: tuple[float, ...] = _param(
        (0.02, 0.025, 0.03, 0.035),
        "share of order lines partly returned, by tier (fraction); a return is a negative-"
        "quantity line at the same price and cost, order id '<order_id>-R'",
    )
    return_days: tuple[int, int] = _param(
        (3, 30), "days from order to return (uniform, days); returns after the period are dropped"
    )
    # --- acquisition and lead quality ----------------------------------------------------------
    channel_mix: tuple[tuple[float, ...], ...] = _param(
        (
            (0.02, 0.20, 0.45, 0.15, 0.12, 0.06),
            (0.08, 0.25, 0.30, 0.15, 0.14, 0.08),
            (0.30, 0.20, 0.10, 0.10, 0.15, 0.15),
            (0.60, 0.05, 0.02, 0.03, 0.15, 0.15),
        ),
        "acquisition channel mix per tier over ACQUISITION_CHANNELS (weights). Assumption",
    )
    cost_per_lead: tuple[float, ...] = _param(
        (400.0, 60.0, 15.0, 40.0, 25.0, 250.0),
        "acquisition spend per lead by channel (currency/lead). Assumption",
    )
    lead_conversion: tuple[float, ...] = _param(
        (0.25, 0.10, 0.03, 0.15, 0.30, 0.12),
        "share of leads that become customers by channel (fraction). Assumption",
    )
    closure_multiplier: tuple[float, ...] = _param(
        (0.8, 1.1, 1.3, 1.0, 0.6, 0.9),
        "lead quality (survival): relative closure hazard of customers by channel, rescaled so "
        "each tier's average stays first_year_closure (relative). Assumption",
    )
    expand_share: tuple[float, ...] = _param(
        (0.35, 0.25, 0.20, 0.25, 0.45, 0.30),
        "lead quality (growth): share of new customers by channel that land with small trial "
        "orders and expand (fraction). Premise under test (DESIGN.md): start small",
    )
    trial_size: float = _param(
        0.25, "basket multiplier of a land-and-expand customer's first orders (relative)"
    )
    expand_to: float = _param(
        2.0, "basket multiplier a land-and-expand customer grows to (relative)"
    )
    expand_months: float = _param(
        18.0, "months from signup for a land-and-expand customer to reach expand_to (months)"
    )
    # --- survival ------------------------------------------------------------------------------
    first_year_closure: tuple[float, ...] = _param(
        (0.22, 0.18, 0.08, 0.03),
        "probability that a new customer's firm closes within 12 months of signup, by tier "
        "(fraction). Premise under test (DESIGN.md): about 20% of new small firms close in "
        "their first year (US BLS Business Employment Dynamics: ~20% of new establishments "
        "do not survive their first year)",
    )
    later_closure_per_year: tuple[float, ...] = _param(
        (0.06, 0.05, 0.03, 0.01),
        "closure hazard after the first year by tier (closures per customer-year). Assumption",
    )
    lapse_per_year: tuple[float, ...] = _param(
        (0.10, 0.07, 0.04, 0.02),
        "hazard of lapsing, i.e. stopping ordering without closing (per customer-year); lapsed "
        "customers keep closed_date NaT. Assumption",
    )
    # --- quotes and approvals ------------------------------------------------------------------
    quotes_per_year: tuple[float, ...] = _param(
        (1.0, 2.0, 4.0, 8.0), "quotes per customer-year by tier (quotes/year). Assumption"
    )
    quote_median: tuple[float, ...] = _param(
        (800.0, 3000.0, 12000.0, 60000.0),
        "median quote amount by tier (currency; lognormal). Assumption",
    )
    quote_sigma: float = _param(1.0, "spread of quote amounts (sd of log amount)")
    approval_base: float = _param(
        2000.0,
        "quote amount below which one person approves (currency). Premise under test "
        "(DESIGN.md): a small trial order is approved on the spot",
    )
    approval_step: float = _param(
        5.0, "each multiple of this factor above approval_base adds an approval layer (ratio)"
    )
    max_layers: int = _param(6, "most approval layers a quote can climb (layers)")
    win_base: float = _param(0.60, "win probability of a quote with one approval layer (fraction)")
    win_decay: float = _param(
        0.75,
        "win probability multiplier per extra approval layer (ratio): trust weakens at each "
        "layer (DESIGN.md premise)",
    )
    close_days_base: float = _param(7.0, "mean days to decision with one approval layer (days)")
    close_days_growth: float = _param(
        2.2, "mean days to decision multiplier per extra layer (ratio); gamma distributed"
    )

    def __post_init__(self) -> None:
        n_tiers, n_channels = len(TIERS), len(ACQUISITION_CHANNELS)
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if spec.name in _PER_TIER and len(value) != n_tiers:
                raise ValueError(
                    f"WorldParams.{spec.name}: expected {n_tiers} values (one per tier)"
                )
            if spec.name in _PER_CHANNEL and len(value) != n_channels:
                raise ValueError(
                    f"WorldParams.{spec.name}: expected {n_channels} values (one per channel)"
                )
        if self.n_customers < 1 or self.years < 1:
            raise ValueError("WorldParams: n_customers and years must be at least 1")
        if len(self.seasonality) != 12 or len(self.weekday_weights) != 7:
            raise ValueError("WorldParams: seasonality needs 12 values, weekday_weights 7")
        if len(self.industry_weights) != len(self.industries):
            raise ValueError("WorldParams: one industry weight per industry")
        if len(self.region_weights) != len(self.regions):
            raise ValueError("WorldParams: one region weight per region")


#: the fields with one value per size tier (checked against :data:`TIERS`)
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
#: the fields with one value per acquisition channel
_PER_CHANNEL = {"cost_per_lead", "lead_conversion", "closure_multiplier", "expand_share"}

#: the named worlds: the default one and the flat one (see ``FLAT_FIELDS``)
PRESETS: dict[str, WorldParams] = {
    "default": WorldParams(),
    "flat": WorldParams(flat=True),
}


def params_for(preset: str = "default", **overrides: Any) -> WorldParams:
    """The parameters of a preset with some fields replaced.

    Parameters
    ----------
    preset
        A name in :data:`PRESETS` (``"default"`` or ``"flat"``).
    **overrides
        Fields of :class:`WorldParams` to replace, e.g. ``params_for("flat", seed=7)``.

    Returns
    -------
    WorldParams
        The preset's parameters with the overrides.

    Raises
    ------
    ValueError
        When the preset is unknown, an override names no field, or the result is invalid
        (see :class:`WorldParams`).
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown world preset {preset!r} (expected one of: {', '.join(PRESETS)})")
    names = {spec.name for spec in dataclasses.fields(WorldParams)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown world parameter(s): {', '.join(unknown)}")
    return dataclasses.replace(PRESETS[preset], **overrides)


def describe_params(params: WorldParams | None = None) -> pd.DataFrame:
    """One row per parameter of the world, with its value and documentation.

    Parameters
    ----------
    params
        The parameters to describe; ``None`` gives the defaults.

    Returns
    -------
    pandas.DataFrame
        ``parameter`` (field name), ``value`` (in the unit its doc names), ``doc`` (meaning,
        unit, source or rationale), one row per field in declaration order.
    """
    params = params or WorldParams()
    return pd.DataFrame(
        [
            {"parameter": f.name, "value": getattr(params, f.name), "doc": f.metadata["doc"]}
            for f in dataclasses.fields(params)
        ]
    )
