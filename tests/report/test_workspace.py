"""The workspace on a tiny dataset: prepare once, open, tables, ledger, record, figures, exports."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.config import load_config
from helpers.report.workspace import Workspace, config_fingerprint, open_workspace, prepare


@pytest.fixture()
def tiny_config(tmp_path: Path) -> Path:
    """Three order lines of two customers, as a Parquet export, and a config that maps them."""
    raw = tmp_path / "raw"
    raw.mkdir()
    pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": ["c1", "c2", "c2"],
            "order_date": pd.to_datetime(["2024-01-02", "2024-02-03", "2025-03-04"]),
            "product_id": ["p1", "p1", "p2"],
            "quantity": [1.0, 5.0, 2.0],
            "unit_price": [100.0, 80.0, 50.0],
            "discount": [0.0, 20.0, 0.0],
            "unit_cost": [60.0, 50.0, 30.0],
        }
    ).to_parquet(raw / "order_lines.parquet")
    pd.DataFrame({"customer_id": ["c1", "c2"], "name": ["Acme", "Birch"]}).to_parquet(
        raw / "customers.parquet"
    )
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "name: tiny\ntables:\n  order_lines:\n    path: raw/order_lines.parquet\n"
        "  customers:\n    path: raw/customers.parquet\n"
    )
    return config


def test_prepare_ingests_once_per_fingerprint(tiny_config: Path, tmp_path: Path) -> None:
    config = load_config(tiny_config)
    processed = prepare(config, tmp_path / "processed")
    assert (processed / "order_lines.parquet").exists()
    assert (processed / "fingerprint.txt").read_text() == config_fingerprint(config)
    stamp = (processed / "order_lines.parquet").stat().st_mtime_ns
    prepare(config, processed)  # same config, same files: nothing is ingested again
    assert (processed / "order_lines.parquet").stat().st_mtime_ns == stamp


def test_fingerprint_follows_the_config(tiny_config: Path) -> None:
    config = load_config(tiny_config)
    assert len(config_fingerprint(config)) == 12
    assert config_fingerprint(config) != config_fingerprint({**config, "name": "other"})


def test_open_workspace_under_a_run(tiny_config: Path, tmp_path: Path) -> None:
    ws = open_workspace(tiny_config, "2024-01-01:2024-12-31", tmp_path / "run")
    assert isinstance(ws, Workspace)
    assert ws.processed_dir == tmp_path / "run" / "processed"
    assert ws.has("order_lines") and ws.has("customers") and not ws.has("activities")
    assert ws.table("activities") is None
    assert len(ws.table("order_lines")) == 2  # the period's lines (2025 is outside)
    assert len(ws.history("order_lines")) == 3  # the whole history
    assert ws.table("order_lines") is ws.table("order_lines")  # read once
    assert ws.period_label == "2024-01-01 to 2024-12-31"
    ledger = ws.ledger
    assert set(ledger["customer_id"]) >= {"c1", "c2"}
    assert list(ws.processed_dir.glob("ledger_2024-01-01_2024-12-31.parquet"))


@pytest.mark.parametrize(
    ("period", "label"),
    [("", "2024-01-02 to 2025-03-04 (all the data)"),
     ("2024-02-01:", "2024-02-01 to 2025-03-04 (to the last order)"),
     (":2024-12-31", "2024-01-02 to 2024-12-31 (from the first order)")],
    ids=["whole", "from", "until"],
)  # fmt: skip
def test_an_open_period_is_labelled_with_the_datas_dates(
    tiny_config: Path, tmp_path: Path, period: str, label: str
) -> None:
    assert open_workspace(tiny_config, period, tmp_path / "run").period_label == label


def test_record_merges_metrics_and_findings(tiny_config: Path, tmp_path: Path) -> None:
    ws = open_workspace(tiny_config, "", tmp_path / "run")
    ws.record("pareto", {"a": 1.0, "b": float("nan")}, findings=["One."])
    ws.record("pareto", {"c": 2}, findings=["One.", "Two."])
    saved = json.loads((tmp_path / "run" / "metrics" / "pareto.json").read_text())
    assert saved == {"metrics": {"a": 1.0, "b": None, "c": 2}, "findings": ["One.", "Two."]}


def test_figures_and_exports_go_to_the_run(tiny_config: Path, tmp_path: Path) -> None:
    ws = open_workspace(tiny_config, "", tmp_path / "run")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = ws.save_figure(fig, "line")
    plt.close(fig)
    assert png == ws.figures_dir / "line.png" and png.with_suffix(".svg").exists()
    written = ws.export(pd.DataFrame({"name": ["=HYPERLINK(1)"], "profit": [1.5]}), "list")
    assert written and all(p.parent == ws.exports_dir and p.exists() for p in written)


def test_a_figure_is_shown_once_in_a_notebook(
    tiny_config: Path, tmp_path: Path, monkeypatch
) -> None:
    import IPython.display

    from helpers.report import workspace

    shown: list = []
    monkeypatch.setattr(workspace, "_in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    ws = open_workspace(tiny_config, "", tmp_path / "run")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = ws.save_figure(fig, "line")
    assert len(shown) == 1 and shown[0].data == png.read_bytes()  # the PNG, embedded
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend does not draw it again
    fig, _ = plt.subplots()
    ws.save_figure(fig, "quiet", show=False)  # the apps place their figures themselves
    assert len(shown) == 1 and plt.fignum_exists(fig.number)
    plt.close(fig)


@pytest.mark.parametrize(
    "name", ["../../../x", "..", "/etc/passwd", "a/../../b", "~root", ". .", ""], ids=repr
)
def test_dataset_names_never_escape_the_processed_folder(name: str, tmp_path: Path) -> None:
    from helpers.report.workspace import dataset_folder

    folder = dataset_folder(name, tmp_path)
    assert folder.parent == tmp_path
    assert folder.name not in {"", ".", ".."} and "/" not in folder.name
