"""End to end: the full report set on the sample world, checked against totals computed here
from the raw sample files; and the failure paths, which must leave earlier runs untouched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers import paths
from helpers.report.errors import EXIT_CODES, BadInput, NotebookFailed, RunLocked
from helpers.report.metrics import validate_metrics
from helpers.report.publish import run_lock
from helpers.report.run import run_report

pytestmark = pytest.mark.slow
EXAMPLE = paths.CONFIGS_DIR / "example-export.yaml"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory, sample_config: Path, once) -> Path:
    """The full report set on the sample world, rendered once for the tests below."""
    return once(
        "e2e:sample_run",
        lambda: run_report(
            sample_config, out_dir=tmp_path_factory.mktemp("reports"), jobs=2, progress=False
        ),
    )


def test_run_folder_holds_every_page(sample_run: Path) -> None:
    notebooks = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][1-9]-*.ipynb"))
    assert notebooks, "the report set is empty"
    for name in notebooks:
        html = (sample_run / f"{name}.html").read_text()
        assert "<html" in html and "Traceback" not in html
        assert (sample_run / "notebooks" / f"{name}.ipynb").exists()
    index = (sample_run / "index.html").read_text()
    assert all(f'href="{n}.html"' in index for n in notebooks)
    assert "Reconciled: every row and every cent" in index
    assert list((sample_run / "figures").glob("*.png")) and list(
        (sample_run / "figures").glob("*.svg")
    )
    assert (sample_run / "data-quality" / "rejects.csv").exists()
    assert not (sample_run / "processed").exists()
    run = json.loads((sample_run / "run.json").read_text())
    assert {"config", "parameters", "versions", "data_fingerprints", "timings"} <= set(run)
    assert (sample_run.parent / "latest").resolve() == sample_run.resolve()


def _drawing_pages(run: Path) -> list[str]:
    """The report pages whose notebook saves a figure."""
    return sorted(
        p.stem
        for p in paths.NOTEBOOKS_DIR.glob("[0-9][1-9]-*.ipynb")
        if "save_figure(" in p.read_text(encoding="utf-8")
    )


def test_every_page_that_draws_shows_its_figures_inline(sample_run: Path) -> None:
    pages = _drawing_pages(sample_run)
    assert pages, "no notebook draws a figure"
    shown = 0
    for name in pages:
        html = (sample_run / f"{name}.html").read_text(encoding="utf-8")
        images = html.count("data:image/png;base64,")
        assert images, f"{name}.html shows no figure"
        assert "PosixPath" not in html, f"{name}.html prints a path where a figure should be"
        shown += images
    assert shown >= len(list((sample_run / "figures").glob("*.png"))), "a saved figure is not shown"


def test_metrics_match_totals_computed_from_the_raw_files(sample_run: Path) -> None:
    metrics = json.loads((sample_run / "metrics.json").read_text())
    validate_metrics(metrics)
    raw = paths.SAMPLE_DIR / "default"
    lines = pd.read_parquet(raw / "order_lines.parquet")
    customers = pd.read_parquet(raw / "customers.parquet")
    cents = lambda s: (s * 100).round().astype("int64")  # noqa: E731
    net_lines = cents(lines["quantity"] * lines["unit_price"]) - cents(lines["discount"])
    per_customer = net_lines.groupby(lines["customer_id"]).sum()
    rate = customers.set_index("customer_id")["rebate_rate"].reindex(per_customer.index).fillna(0)
    rebates = (per_customer * rate).round().sum()
    assert metrics["ledger"]["total_revenue"] == pytest.approx(
        (net_lines.sum() - rebates) / 100, abs=0.01 * len(per_customer)
    )
    assert metrics["reconciliation"]["rows_in"] == len(lines)
    assert metrics["reconciliation"]["revenue_in"] == pytest.approx(
        net_lines.sum() / 100, abs=0.005
    )
    assert metrics["reconciliation"]["balanced"] is True
    assert metrics["reconciliation"]["ledger_matches_lines"] is True
    for section in ("ingest", "ledger"):
        assert metrics["findings"].get(section), f"no computed findings recorded for {section}"


def test_rerun_gives_the_same_metrics(sample_run: Path, sample_config: Path) -> None:
    again = run_report(
        sample_config, out_dir=sample_run.parent, notebooks=["01", "02"], progress=False
    )
    first = json.loads((sample_run / "metrics.json").read_text())
    second = json.loads((again / "metrics.json").read_text())
    for section in ("reconciliation", "ingest", "ledger"):
        assert second[section] == first[section]
    assert (sample_run.parent / "latest").resolve() == again.resolve()


def _raising_notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        'config_path = ""\nperiod = ""\nrun_dir = ""\ninteractive = True'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom')"),
    ]
    path = tmp_path / "99-raises.ipynb"
    nbformat.write(nb, path)
    return path


def test_failed_notebook_keeps_earlier_runs(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    good = run_report(EXAMPLE, out_dir=out, notebooks=["01"], progress=False)
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(
        NotebookFailed, match=r"notebook 99-raises, cell 3: ValueError: boom"
    ) as info:
        run_report(
            EXAMPLE, out_dir=out, notebooks=["01", str(_raising_notebook(tmp_path))], progress=False
        )
    assert info.value.exit_code == EXIT_CODES["notebook_failed"]
    assert (out / "latest").resolve() == good.resolve()
    assert (good / "index.html").exists()
    kept = list((out / "failed").glob("*/99-raises.ipynb"))
    assert len(kept) == 1 and "boom" in kept[0].read_text()
    assert sorted(p.name for p in out.iterdir() if p.name != "failed") == before
    assert not list(out.glob(".tmp-*"))


def test_bad_data_is_bad_input_and_renders_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "orders.csv"
    empty.write_text("")
    config = tmp_path / "bad.yaml"
    config.write_text(f"tables:\n  order_lines:\n    path: {empty}\n")
    with pytest.raises(BadInput, match="orders.csv") as info:
        run_report(config, out_dir=tmp_path / "reports", progress=False)
    assert info.value.exit_code == EXIT_CODES["bad_input"]
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [".lock"]


def test_locked_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with run_lock(out), pytest.raises(RunLocked, match="another report run holds the lock"):
        run_report(EXAMPLE, out_dir=out, notebooks=["01"], progress=False)
    assert [p.name for p in out.iterdir()] == [".lock"]


def test_cli_exit_codes_for_schedulers(tmp_path: Path) -> None:
    workbook = [sys.executable, "-m", "helpers.report.cli"]
    env = os.environ | {"MPLBACKEND": "Agg"}
    bad = subprocess.run(
        [*workbook, "report", "--config", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == EXIT_CODES["bad_input"]
    assert "config file not found" in bad.stderr and "Traceback" not in bad.stderr
    listed = subprocess.run(
        [*workbook, "list", "--json"], capture_output=True, text=True, env=env, check=True
    )
    assert {"config_path", "period", "run_dir"} <= set(
        json.loads(listed.stdout)["01-ingest-and-validate"]
    )


def test_a_successful_run_logs_one_line_per_notebook_and_the_report(tmp_path: Path) -> None:
    # a cron log that greps for ERROR or WARNING must stay quiet on a good night; the run is
    # started as cron would, with no MPLBACKEND, no --quiet (stderr is no terminal, so no
    # progress bars) and no other help from the test environment
    env = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "PYTHONWARNINGS"}}
    done = subprocess.run(
        [sys.executable, "-m", "helpers.report.cli", "report", "--config", str(EXAMPLE),
         "--out", str(tmp_path / "reports"), "--notebooks", "01,02"],  # no --quiet: not a tty
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    expected = re.compile(r"^(ok +0[12]-[a-z-]+ \(\d+ s\)|report ready: .+index\.html)$")
    assert [line for line in lines if not expected.match(line)] == [], lines
    assert len(lines) == 3


def test_customer_names_are_escaped_in_every_page(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": ["c1", "c2", "c2"],
            "order_date": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"]),
            "product_id": ["p1", "p1", "p2"],
            "quantity": [1.0, 5.0, 2.0],
            "unit_price": [100.0, 80.0, 50.0],
            "discount": [0.0, 20.0, 0.0],
            "unit_cost": [60.0, 50.0, 30.0],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": ["c1", "c2"], "name": ["<script>alert(1)</script>", '=HYPERLINK("x")']}
    )
    lines.to_parquet(raw / "order_lines.parquet")
    customers.to_parquet(raw / "customers.parquet")
    config = tmp_path / "xss.yaml"
    config.write_text(
        "name: xss\ntables:\n  order_lines:\n    path: raw/order_lines.parquet\n  customers:\n    path: raw/customers.parquet\n"
    )
    run = run_report(config, out_dir=tmp_path / "reports", notebooks=["01", "02"], progress=False)
    for page in run.glob("*.html"):
        assert "<script>alert(1)</script>" not in page.read_text(), page.name


# ---- the pages in a real browser ------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = paths.PROJECT_ROOT / "test-artifacts"
#: what must never be visible on a page: a path printed for a figure, a traceback, a NaN
_NEVER_VISIBLE = re.compile(
    r"PosixPath|Traceback \(most recent call last\)|\bnan\b|\bNaN\b|\bNone\b|\bNaT\b"
)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_pages_in_chromium_show_every_image_and_no_raw_values(sample_run: Path, width: int) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER"):  # CI sets it: a missing browser is a failure there
            pytest.fail("Debian's chromium is not installed at /usr/bin/chromium")
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            for html in sorted(sample_run.glob("*.html")):
                page.goto(html.as_uri(), wait_until="load")
                broken = page.evaluate(
                    "[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                    ".map(i => i.src.slice(0, 60))"
                )
                problems += [f"{html.name} @{width}px: image not shown ({src})" for src in broken]
                if html.name != "index.html":
                    if not page.evaluate(
                        "[...document.links].some(a => a.getAttribute('href') === 'index.html')"
                    ):
                        problems.append(f"{html.name}: no link back to the summary")
                    if " — " not in page.title():
                        problems.append(f"{html.name}: title {page.title()!r} is not in words")
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width + 1:  # the page itself scrolls sideways (a table box may)
                    problems.append(f"{html.name} @{width}px: page is {wide}px wide")
                text = page.inner_text("body")
                problems += [
                    f"{html.name} @{width}px: shows {m.group(0)!r}: ...{text[max(0, m.start() - 60) : m.end() + 20]!r}"
                    for m in _NEVER_VISIBLE.finditer(text)
                ][:3]
                page.screenshot(path=str(ARTIFACTS / f"report-{html.stem}-{width}.png"))
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
