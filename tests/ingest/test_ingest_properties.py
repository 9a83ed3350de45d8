"""Property tests of helpers.ingest: rows and revenue are conserved under any row order and any
mix of valid and invalid rows (accepted + rejected = in, to the cent)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.config import load_config
from helpers.ingest import ingest_dataset

HEADER = "order_id,customer_id,order_date,product_id,quantity,unit_price,discount,unit_cost"

# kinds of invalid rows and whether their revenue can still be computed
INVALID = {
    "bad_number": ("{o},C1,2023-01-05,P1,{q},12;3x,0,1.00", False),
    "bad_date": ("{o},C1,2023-02-30,P1,{q},{p},{d},1.00", True),
    "zero_quantity": ("{o},C1,2023-01-05,P1,0,{p},{d},1.00", True),
    "negative_price": ("{o},C1,2023-01-05,P1,{q},-{p},{d},1.00", True),
    "no_order_id": (",C1,2023-01-05,P1,{q},{p},{d},1.00", True),
    "ragged": ("{o},C1,2023-01-05", False),
    "blank": (",,,,,,,", True),
}

valid_row = st.fixed_dictionaries(
    {
        "kind": st.just("valid"),
        "customer": st.sampled_from(["C1", "C2", "C3", ""]),
        "q": st.integers(-5, 50).filter(lambda q: q != 0),
        "p_cents": st.integers(0, 500_000),
        "d_cents": st.integers(0, 1_000),
    }
)
invalid_row = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(sorted(INVALID)),
        "customer": st.just("C1"),
        "q": st.integers(1, 50),
        "p_cents": st.integers(1, 500_000),
        "d_cents": st.integers(0, 1_000),
    }
)


def _render(rows: list[dict]) -> tuple[str, int]:
    """CSV text of the rows and the expected revenue in cents of the rows that can have one."""
    lines, cents = [HEADER], 0
    for i, r in enumerate(rows):
        q, p, d = r["q"], f"{r['p_cents'] / 100:.2f}", f"{r['d_cents'] / 100:.2f}"
        if r["kind"] == "valid":
            lines.append(f"O{i},{r['customer']},2023-01-05,P1,{q},{p},{d},1.00")
            dd = float(d) if q > 0 else -float(d)  # a return reverses its discount
            cents += round((q * float(p) - dd) * 100)
            continue
        template, known = INVALID[r["kind"]]
        lines.append(template.format(o=f"O{i}", q=q, p=p, d=d))
        if r["kind"] == "negative_price":
            cents += round((q * -float(p) - float(d)) * 100)
        elif r["kind"] == "zero_quantity":
            cents += round(-float(d) * 100)
        elif known and r["kind"] != "blank":
            cents += round((q * float(p) - float(d)) * 100)
    return "\n".join(lines) + "\n", cents


def _run(rows: list[dict]):
    text, cents = _render(rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "orders.csv").write_text(text)
        (folder / "c.yaml").write_text(
            yaml.safe_dump({"tables": {"order_lines": {"path": "orders.csv"}}})
        )
        result = ingest_dataset(load_config(folder / "c.yaml"), folder / "out")
    return result, cents


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.one_of(valid_row, invalid_row), min_size=1, max_size=40),
    order=st.randoms(use_true_random=False),
)
def test_rows_and_revenue_are_conserved_under_any_order_and_mix(rows, order) -> None:
    shuffled = list(rows)
    order.shuffle(shuffled)
    result, cents = _run(shuffled)
    recon = result.reconciliation.iloc[0]
    n_valid = sum(r["kind"] == "valid" for r in shuffled)
    assert recon["rows_in"] == len(shuffled)
    assert recon["rows_accepted"] == n_valid == len(result.tables["order_lines"])
    assert recon["rows_rejected"] == len(shuffled) - n_valid == len(result.rejects)
    assert bool(recon["balanced"])
    unknown = sum(not INVALID[r["kind"]][1] for r in shuffled if r["kind"] != "valid")
    assert recon["rows_revenue_unknown"] == unknown
    # revenue in (every row whose revenue can be computed) = accepted + rejected, to the cent
    assert round(recon["revenue_in"] * 100) == cents
    accepted = round(result.tables["order_lines"]["revenue"].sum() * 100)
    assert round(recon["revenue_accepted"] * 100) == accepted
    assert round((recon["revenue_attributed"] + recon["revenue_unattributed"]) * 100) == accepted
    assert round((recon["revenue_accepted"] + recon["revenue_rejected"]) * 100) == cents
    # every rejected row is named by its line in the file
    assert sorted(result.rejects["source_row"]) == [
        i + 2 for i, r in enumerate(shuffled) if r["kind"] != "valid"
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.one_of(valid_row, invalid_row), min_size=2, max_size=30),
    order=st.randoms(use_true_random=False),
)
def test_totals_do_not_depend_on_row_order(rows, order) -> None:
    first, _ = _run(rows)
    shuffled = list(rows)
    order.shuffle(shuffled)
    second, _ = _run(shuffled)
    cols = [
        "rows_in",
        "rows_accepted",
        "rows_rejected",
        "revenue_in",
        "revenue_accepted",
        "revenue_rejected",
    ]
    assert first.reconciliation[cols].to_dict("records") == second.reconciliation[cols].to_dict(
        "records"
    )
    assert sorted(first.rejects["reason"]) == sorted(second.rejects["reason"])
