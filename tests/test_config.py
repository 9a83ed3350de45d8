"""Config loading: defaults merged, paths resolved, periods parsed, clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import paths
from helpers.config import ConfigError, load_config, parse_period, resolve_path


def test_sample_config_merges_defaults() -> None:
    config = load_config(paths.SAMPLE_CONFIG)
    assert config["name"] == "sample"
    assert config["size_tiers"]["labels"][0] == "micro"  # from defaults/segments.yaml
    assert resolve_path(config, "x.csv") == (paths.CONFIGS_DIR / "x.csv").resolve()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a mapping at the top level, got list"),
        ("name: x\n", "expected a 'tables' section"),
        ("tables:\n  customers: {path: c.csv}\n", "must name an 'order_lines' source"),
        ("tables: [\n", "not valid YAML"),
    ],
    ids=["list", "no-tables", "no-order-lines", "bad-yaml"],
)
def test_bad_configs_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(cfg)
    assert str(cfg) in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("", (None, None)),
        ("2024-01-01:2024-12-31", (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))),
        ("2024-01-01:", (pd.Timestamp("2024-01-01"), None)),
        (":2024-12-31", (None, pd.Timestamp("2024-12-31"))),
    ],
    ids=["empty", "both", "open-end", "open-start"],
)
def test_parse_period(period: str, expected: tuple) -> None:
    assert parse_period(period) == expected


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2024", "expected 'START:END'"),
        ("2024-13-01:", "start '2024-13-01'"),
        ("2025-01-01:2024-01-01", "start is after end"),
    ],
    ids=["no-colon", "bad-month", "reversed"],
)
def test_bad_periods(period: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_period(period)
