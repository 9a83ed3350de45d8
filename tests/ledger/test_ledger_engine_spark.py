"""The ledger's Ibis expression gives identical results on DuckDB and on Spark (local mode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from ledger_world import (
    HAND_ACTIVITIES,
    HAND_CUSTOMERS,
    HAND_LINES,
    base_config,
    order_lines_frame,
    write_world,
)
from pandas.testing import assert_frame_equal

from helpers.config import load_config
from helpers.ingest import ingest_dataset
from helpers.ledger import build_ledger, engine

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17): not found"),
]
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")

SPARK = {"backend": "pyspark", "conf": {"spark.sql.shuffle.partitions": "2"}, "threads": 2}


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (127.0.0.1, UI off) for the whole test session."""
    session = engine.spark_session(engine.engine_settings({"engine": SPARK}))
    yield session
    session.stop()


def _random_world(folder: Path, n: int = 3000, seed: int = 11) -> Path:
    rng = np.random.default_rng(seed)
    customers = [f"K{i:03d}" for i in range(60)]
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    qty = rng.choice([-1, 1, 1, 2, 3, 8], n).astype(float)
    price = np.round(rng.lognormal(3, 1, n), 2)
    cust = rng.choice([*customers, "__unattributed__"], n)
    rows = pd.DataFrame(
        {
            "order_id": [f"{c}-{d.date()}" for c, d in zip(cust, days, strict=True)],
            "customer_id": cust,
            "order_date": days,
            "product_id": rng.choice(["P1", "P2", "P3"], n),
            "quantity": qty,
            "unit_price": price,
            "discount": np.round(price * rng.uniform(0, 0.2, n), 2) * np.sign(qty),
            "cost": np.round(price * qty * rng.uniform(0.4, 0.8, n), 2),
            "ship_mode": rng.choice(["standard", "express", "pickup", "drone", None], n),
        }
    )
    people = [
        dict(
            customer_id=c,
            name=f"Firm {c}",
            employees=float(rng.integers(1, 900)),
            key_account=bool(i % 7 == 0),
            payment_terms_days=float(rng.choice([14, 30, 60])),
            rebate_rate=float(rng.choice([0.0, 0.02])),
            signup_date=pd.Timestamp("2022-06-01") + pd.Timedelta(days=int(rng.integers(0, 500))),
            closed_date=pd.Timestamp("2024-06-30") if i % 11 == 0 else None,
        )
        for i, c in enumerate(customers)
    ]
    m = 800
    acts = pd.DataFrame(
        {
            "customer_id": rng.choice(customers, m),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, m), unit="D"),
            "activity": rng.choice(["sales_visit", "telesales_call", "support_ticket", "other"], m),
            "quantity": 1.0,
            "minutes": np.where(rng.random(m) < 0.3, np.nan, np.round(rng.uniform(5, 40, m), 1)),
        }
    )
    return write_world(
        folder, order_lines_frame(rows.to_dict("records")), people, acts.to_dict("records")
    )


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        "hand": write_world(
            tmp_path_factory.mktemp("hand"),
            order_lines_frame(HAND_LINES),
            HAND_CUSTOMERS,
            HAND_ACTIVITIES,
        ),
        "random": _random_world(tmp_path_factory.mktemp("random")),
        "chunked": _chunked_ingest(_random_world(tmp_path_factory.mktemp("raw")), tmp_path_factory),
    }


def _chunked_ingest(world: Path, tmp_path_factory) -> Path:
    """The random world's order lines exported as CSV and ingested in chunks of ~20 kB."""
    folder = tmp_path_factory.mktemp("chunked")
    lines = pd.read_parquet(world / "order_lines.parquet")
    lines.to_csv(folder / "orders.csv", index=False)
    config = {"name": "c", "ingest": {"chunk_mb": 0.02}, "tables": {"order_lines": "orders.csv"}}
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    out = folder / "processed"
    result = ingest_dataset(load_config(folder / "config.yaml"), out)
    assert result.summary["tables"]["order_lines"]["files"][0]["chunks"] > 5
    for table in ("customers", "activities"):
        shutil.copy(world / f"{table}.parquet", out / f"{table}.parquet")
    return out


@pytest.mark.parametrize(
    ("world", "period", "by_period"),
    [
        ("hand", ("2024-01-01", "2024-12-31"), None),
        ("random", (None, None), None),
        ("random", ("2023-03-15", "2024-08-31"), "Q"),
        ("chunked", (None, None), None),
    ],
    ids=["hand", "random-all", "random-quarters", "ingested-in-chunks"],
)
def test_duckdb_and_spark_give_identical_ledgers(
    spark, worlds: dict[str, Path], world: str, period: tuple, by_period: str | None
) -> None:
    cfg = base_config()
    on_duckdb = build_ledger(
        worlds[world], cfg | {"engine": {"backend": "duckdb"}}, period, by_period
    )
    on_spark = build_ledger(worlds[world], cfg | {"engine": SPARK}, period, by_period)
    assert len(on_duckdb) > 0
    keys = ["customer_id", *(["period"] if by_period else [])]
    on_duckdb, on_spark = (f.sort_values(keys, ignore_index=True) for f in (on_duckdb, on_spark))
    assert_frame_equal(on_spark, on_duckdb, check_exact=False, rtol=1e-9, atol=1e-6)


def test_engine_settings_accept_a_backend_name() -> None:
    assert engine.engine_settings({"engine": "PySpark"})["backend"] == "pyspark"
    assert engine.engine_settings({})["backend"] == "duckdb"


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(engine.EngineError, match="not an Ibis backend"):
        engine.connect({"engine": {"backend": "nosuchdb"}})
