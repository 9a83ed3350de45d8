"""Tables for people (helpers.report.tables): labels, formats, no index, no Python reprs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.report import tables


@pytest.mark.parametrize(
    ("name", "label"),
    [("net_revenue", "Net revenue"), ("ci_low", "CI low"), ("customer_id", "Customer ID"),
     ("margin_pct", "Margin %"), ("Already words", "Already words"), (3, "3")],
)  # fmt: skip
def test_column_labels_are_words(name, label) -> None:
    assert tables.column_label(name) == label


@pytest.mark.parametrize(
    ("value", "fraction", "text"),
    [(21941480.0, False, "21,941,480"), (-6978.067421, False, "-6,978"), (0.056361, True, "5.6%"),
     (180.255761, False, "180.26"), (0.98631, False, "0.986"), (None, False, "\u2014"),
     (float("nan"), True, "\u2014"), (True, False, "yes"), (["medium", "large"], False, "medium, large"),
     ({"order_processing": 0.2}, True, "Order processing: 20.0%"), (np.int64(12000), False, "12,000"),
     (pd.Timestamp("2024-03-01"), False, "2024-03-01")],
)  # fmt: skip
def test_values_read_for_people(value, fraction, text) -> None:
    assert tables.format_value(value, fraction) == text


def test_a_frame_renders_without_index_reprs_or_exponents() -> None:
    frame = pd.DataFrame(
        {"size_tier": ["small", "large"], "net_revenue": [2.194148e07, 1234.5],
         "share_of_profit": [0.056361, 0.943639], "tiers": [["medium", "large"], None]},
        index=pd.Index([7, 9]),
    )  # fmt: skip
    html = tables.to_html(frame)
    assert "Net revenue" in html and "21,941,480" in html and "5.6%" in html
    assert "e+07" not in html and "None" not in html and "['medium'" not in html
    assert ">7<" not in html  # no index column
    assert "overflow-x: auto" in html


def test_a_named_index_becomes_a_column_and_long_tables_are_cut() -> None:
    frame = pd.DataFrame({"profit": np.arange(100.0)}, index=pd.Index(range(100), name="rank"))
    html = tables.to_html(frame, max_rows=10)
    assert "Rank" in html and "Showing the first 10 of 100 rows." in html
    assert html.count("<tr") == 11  # the header and ten rows


def test_a_rate_in_currency_is_not_a_percentage() -> None:
    html = tables.to_html(pd.DataFrame({"activity": ["visit"], "cost_rate": [180.0]}))
    assert ">180<" in html and "18,000" not in html


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=20))
def test_any_numbers_render_without_nan_or_inf(values) -> None:
    html = tables.to_html(pd.DataFrame({"amount": values, "share": values}))
    assert "nan" not in html.lower().replace("nan-", "") and "inf" not in html.lower()


def test_text_from_the_data_is_escaped() -> None:
    frame = pd.DataFrame({"name": ["<script>alert(1)</script>", '=HYPERLINK("x")'],
                          "<b>col</b>": [["<i>", "ok"], {"<k>": 1}]})  # fmt: skip
    html = tables.to_html(frame)
    assert "<script>" not in html and "<i>" not in html and "<b>col</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;col&lt;/b&gt;" in html


def test_a_table_of_figures_by_row_formats_each_row_by_its_label() -> None:
    figures = pd.DataFrame(
        {"value": [2_297_200.86, 0.125, 0.195, -0.0]},
        index=pd.Index(
            ["net_revenue", "profit_margin", "loss_making_share", "rebates"], name="figure"
        ),
    )
    html = tables.to_html(figures)
    assert "2,297,201" in html and "12.5%" in html and "19.5%" in html
    assert "0.125" not in html and "-0" not in html
    assert "Loss making share" in html and "loss_making_share" not in html  # identifiers in words
    levels = pd.DataFrame({"level": ["with_assumptions", "data"], "customers": [3, 4]})
    assert "With assumptions" in tables.to_html(levels)


def test_a_reconciliation_shows_its_amounts_to_the_cent() -> None:
    recon = pd.DataFrame(
        {"table": ["order_lines"], "revenue_in": [2_297_200.86], "rows_in": [9994]}
    )
    html = tables.ToTheCent(recon)._repr_html_()
    assert "2,297,200.86" in html and "9,994" in html
    assert "2,297,201" in tables.to_html(recon)  # elsewhere amounts are rounded for reading


def test_shares_percentages_labels_and_amounts_read_as_what_they_are() -> None:
    # Superstore slips: a claimed share, survival and retention as fractions; a cumulative
    # profit % without its sign; a change with cents among large amounts; config paths
    frame = pd.DataFrame(
        {"claim": [0.4, np.nan], "survival_1y": [0.958, 0.9], "retention": [0.861, 0.8],
         "first_year_survival": [0.958, 0.9], "cum_profit_pct": [100.0, 102.31], "change": [80_551.2, -379.22],
         "small_order_fee.fee": [8.89, 4.45], "assumption": ["discount_cap.price_elasticity",
                                                            "order_lines.csv"]})  # fmt: skip
    html = tables.to_html(frame)
    assert ">40.0%<" in html and html.count(">95.8%<") == 2 and ">86.1%<" in html
    assert ">102.3%<" in html and ">100.0%<" in html
    assert ">-379<" in html and ">80,551<" in html and "379.22" not in html
    assert "Small order fee: fee" in html and "Discount cap: price elasticity" in html
    assert "order_lines.csv" in html  # a file name stays as it is
    shares = pd.DataFrame({"size_tier": ["micro"], "discounts": [0.207], "profit": [0.0794]})
    shares.attrs["fraction_columns"] = ["discounts", "profit"]
    assert ">20.7%<" in tables.to_html(shares) and ">7.9%<" in tables.to_html(shares)


def test_a_table_indexed_by_labels_has_no_index_header() -> None:
    verdicts = pd.DataFrame({"loss_making": {"verdict": "more than a fifth", "holds_from": 0.0}}).T
    html = tables.to_html(verdicts)
    assert "Index" not in html and "Loss making" in html and "Holds from" in html


def test_amount_columns_name_the_currency_in_their_headers() -> None:
    from helpers.results import set_currency, with_money_columns

    cohorts = pd.DataFrame({"customers": [171], "first_order_median": [19.75]},
                           index=pd.Index(["small"], name="band"))  # fmt: skip
    cohorts = with_money_columns(cohorts, ["first_order_median", "not_a_column"])
    assert "First order median" in tables.to_html(cohorts)  # no currency set: no unit
    set_currency("USD")
    try:
        html = tables.to_html(cohorts)
    finally:
        set_currency(None)
    assert "First order median (USD)" in html and "Customers (USD)" not in html
