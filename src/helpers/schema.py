"""Column names of the canonical tables and of the customer ledger, defined in one place.

This is the one place the columns are defined, with their types and units; modules spell the
names as plain strings (``"profit"``), and the ledger tests check that every column the
ledger produces is listed here. Canonical tables are what ingest writes (Parquet, one file a
table) and what the ledger reads. Only ``order_lines`` is required; the others enrich.
"""

from __future__ import annotations

__all__ = [
    "CANONICAL",
    "REQUIRED_TABLES",
    "UNATTRIBUTED",
    "LEDGER_ATTRIBUTES",
    "LEDGER_MEASURES",
    "ORDER_LINES",
    "CUSTOMERS",
    "ACTIVITIES",
    "ACQUISITION_SPEND",
    "OPPORTUNITIES",
    "PRODUCTS",
]

#: customer_id given to rows whose export carries no customer: kept, never dropped.
UNATTRIBUTED = "__unattributed__"

# --- order_lines: one row per order line; returns and credit notes have quantity < 0 ----------
ORDER_LINES: dict[str, str] = {
    "order_id": "string",  # order or invoice number
    "line_no": "int64",  # 1-based position of the line within its order (derived if absent)
    "customer_id": "string",  # UNATTRIBUTED when the export had none
    "order_date": "date",  # date of the order (or invoice)
    "product_id": "string",
    "quantity": "float64",  # negative for returns / credit notes
    "unit_price": "float64",  # list price per unit, before discount
    "discount": "float64",  # discount AMOUNT on the line (currency), >= 0 for sales
    "revenue": "float64",  # net line revenue = quantity * unit_price - discount
    "cost": "float64",  # cost of goods of the line (currency)
    "cost_assumed": "bool",  # True when cost came from the config's gross-margin assumption
    "channel": "string",  # sales channel of the order (field, telesales, online, distributor...)
    "region": "string",
    "ship_mode": "string",  # delivery mode (standard, express, pickup, ...)
    "is_return": "bool",  # quantity < 0 or flagged as credit note
    "is_duplicate": "bool",  # exact duplicate of an earlier line in the same file (kept, flagged)
    "source_file": "string",  # file the line came from
    "source_row": "int64",  # line number in that file (1 = header line for CSV)
}

# --- customers: one row per customer ---------------------------------------------------------
CUSTOMERS: dict[str, str] = {
    "customer_id": "string",
    "name": "string",
    "employees": "float64",  # firm size; NaN if unknown
    "size_band": "string",  # size band as given by the export (optional)
    "industry": "string",
    "region": "string",
    "acquisition_channel": "string",
    "signup_date": "date",  # first contact / signup
    "closed_date": "date",  # date the firm closed or churned; NaT while active
    "payment_terms_days": "float64",  # agreed payment terms
    "rebate_rate": "float64",  # year-end rebate as a fraction of net revenue
    "key_account": "bool",  # has a dedicated key-account team
    "account_owner": "string",  # the sales rep or account manager who owns the account
}

# --- activities: the drivers of time-driven activity-based costing -------------------------
ACTIVITIES: dict[str, str] = {
    "customer_id": "string",
    "date": "date",
    "activity": "string",  # sales_visit, telesales_call, support_ticket, delivery, return, ...
    "quantity": "float64",  # number of driver units (1 visit, 1 ticket...)
    "minutes": "float64",  # time spent where recorded; NaN otherwise
}

# --- acquisition_spend: marketing / sales spend per acquisition channel and month ------------
ACQUISITION_SPEND: dict[str, str] = {
    "channel": "string",
    "month": "date",  # first day of the month
    "spend": "float64",
    "leads": "float64",  # NaN where unknown
}

# --- opportunities: quotes and their approval path -------------------------------------------
OPPORTUNITIES: dict[str, str] = {
    "quote_id": "string",
    "customer_id": "string",
    "date": "date",  # quote date
    "amount": "float64",
    "approval_layers": "int64",  # people who must approve on the buyer's side
    "won": "bool",
    "close_date": "date",  # decision date (won or lost); NaT while open
}

# --- products: optional, enables the innovation-adoption analysis ----------------------------
PRODUCTS: dict[str, str] = {
    "product_id": "string",
    "category": "string",
    "list_price": "float64",
    "launch_date": "date",  # NaT for products older than the data
}

CANONICAL: dict[str, dict[str, str]] = {
    "order_lines": ORDER_LINES,
    "customers": CUSTOMERS,
    "activities": ACTIVITIES,
    "acquisition_spend": ACQUISITION_SPEND,
    "opportunities": OPPORTUNITIES,
    "products": PRODUCTS,
}
REQUIRED_TABLES: tuple[str, ...] = ("order_lines",)

# --- the customer ledger: one row per customer (and period), built by helpers.ledger ---------
#: customer attributes joined into the ledger (missing ones are NA)
LEDGER_ATTRIBUTES: tuple[str, ...] = (
    "customer_id",
    "name",
    "size_tier",  # from helpers.ledger.size_tiers.assign_size_tiers
    "employees",
    "industry",
    "region",
    "acquisition_channel",
    "signup_date",
    "closed_date",
    "key_account",
    "payment_terms_days",
    "account_owner",
)

#: the P&L measures, in waterfall order; cost to serve per activity is in columns
#: ``cts_<activity>`` and its drivers in ``drv_<activity>`` (one per configured activity)
LEDGER_MEASURES: tuple[str, ...] = (
    "list_revenue",  # sum of quantity * unit_price (returns negative)
    "discounts",  # sum of line discounts
    "rebates",  # rebate_rate * (list_revenue - discounts)
    "net_revenue",  # list_revenue - discounts - rebates
    "cogs",  # cost of goods
    "gross_margin",  # net_revenue - cogs
    "cost_to_serve",  # sum of cts_* columns
    "profit",  # gross_margin - cost_to_serve (every level of cost to serve, assumptions included)
    "profit_measured",  # gross_margin - cost_to_serve_measured (helpers.ledger.levels)
    "cost_to_serve_measured",  # activities whose drivers the data counts
    "cost_to_serve_assumed",  # activities whose drivers are assumed
    "assumed_amount",  # cost resting on an assumed driver or a default rate (the multiplier's base)
    "margin_pct",  # profit / net_revenue (NaN when net_revenue == 0)
    "gross_margin_pct",
    "orders",
    "lines",
    "units",
    "returns",  # return lines
    "return_revenue",  # revenue of return lines (<= 0)
    "first_order",
    "last_order",
    "tenure_days",
)
