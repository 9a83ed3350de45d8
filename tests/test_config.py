"""Config loading: defaults merged, paths resolved, periods parsed, clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths
from helpers.config import (
    ConfigError,
    defaults,
    load_config,
    parse_period,
    resolve_path,
    resolve_period,
)
from helpers.config.validation import read_yaml, schema_errors


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


# ---- relative periods ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "as_of", "expected"),
    [
        ("last-month", date(2024, 4, 15), "2024-03-01:2024-03-31"),
        ("last-month", date(2024, 4, 1), "2024-03-01:2024-03-31"),
        ("last-month", date(2024, 1, 10), "2023-12-01:2023-12-31"),
        ("last-quarter", date(2024, 5, 20), "2024-01-01:2024-03-31"),
        ("last-quarter", date(2024, 1, 1), "2023-10-01:2023-12-31"),
        ("ytd", date(2024, 4, 15), "2024-01-01:2024-04-14"),
        ("ytd", date(2024, 1, 1), "2023-01-01:2023-12-31"),
        ("last-12-months", date(2024, 4, 15), "2023-04-01:2024-03-31"),
        ("last-12-months", date(2024, 3, 1), "2023-03-01:2024-02-29"),
        ("2024-01-01:2024-02-01", date(2024, 4, 15), "2024-01-01:2024-02-01"),
    ],
)
def test_relative_periods_cover_whole_days_before_as_of(
    word: str, as_of: date, expected: str
) -> None:
    assert resolve_period(word, as_of) == expected


@pytest.mark.parametrize("period", ["now:", ":today", "yesterday:", "2024-1-1:", "last-week"])
def test_words_that_are_not_iso_dates_are_refused(period: str) -> None:
    with pytest.raises(ConfigError, match="expected"):
        parse_period(period)


# ---- the schema ------------------------------------------------------------------------------
BASE = "name: t\ntables:\n  order_lines:\n    path: lines.csv\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("tabels: {}\n", r"tabels: unknown key \(did you mean 'tables'\?"),
        (
            "assumption: {gross_margin: 0.3}\n",
            r"assumption: unknown key \(did you mean 'assumptions'",
        ),
        (
            "engine: {memorylimit: 4GB}\n",
            r"engine.memorylimit: unknown key \(did you mean 'memory_limit'",
        ),
        (
            "assumptions: {gross_margin: thirty}\n",
            "assumptions.gross_margin: expected a number from 0 to 1, got 'thirty'",
        ),
        (
            "assumptions: {gross_margin: 1.5}\n",
            "assumptions.gross_margin: expected a number from 0 to 1, got 1.5",
        ),
        (
            "engine: {threads: many}\n",
            "engine.threads: expected a whole number >= 1 or null, got 'many'",
        ),
        ("engine: {memory_limit: lots}\n", "engine.memory_limit: expected a size such as 4GB"),
        ("ingest: {sniff_bytes: -1}\n", "ingest.sniff_bytes: expected a whole number >= 1, got -1"),
        (
            "cost_to_serve: {resources: {desk: {cost_per_minuet: 1}}}\n",
            "cost_to_serve.resources.desk.cost_per_minuet: unknown key .did you mean 'cost_per_minute'",
        ),
        (
            "cost_to_serve: {activities: {delivery: {rate: -3}}}\n",
            "cost_to_serve.activities.delivery.rate: expected a number >= 0 or null, got -3",
        ),
        ("pareto: 3\n", "pareto: expected a mapping, got 3"),
    ],
    ids=lambda value: value.split(":")[0] if isinstance(value, str) and "\n" in value else None,
)
def test_schema_refuses_with_key_path_and_expectation(
    tmp_path: Path, extra: str, message: str
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(BASE + extra)
    with pytest.raises(ConfigError, match=message):
        load_config(cfg)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("skip_rows: abc", "tables.order_lines.skip_rows: expected a whole number >= 0, got 'abc'"),
        ("path: 42", "tables.order_lines.path: expected a file path, a glob or a list of them"),
        ('strict: "no"', "tables.order_lines.strict: expected true or false, got 'no'"),
        ("strict: 1", "tables.order_lines.strict: expected true or false, got 1"),
        ("amounts: lines", "tables.order_lines.amounts: expected unit, line or revenue_only"),
        ("date_min: 2024-13-01", "tables.order_lines.date_min"),
        ("skiprows: 2", r"tables.order_lines.skiprows: unknown key \(did you mean 'skip_rows'"),
    ],
)
def test_table_options_are_checked(tmp_path: Path, option: str, message: str) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"tables:\n  order_lines:\n    path: lines.csv\n    {option}\n".replace(
            "    path: lines.csv\n    path: 42", "    path: 42"
        )
    )
    with pytest.raises(ConfigError, match=message):
        load_config(cfg)


def test_strict_no_unquoted_is_false_and_accepted(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(BASE + "    strict: no\n")
    assert load_config(cfg)["tables"]["order_lines"]["strict"] is False


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(BASE + "assumptions: {gross_margin: 0.3}\nassumptions: {gross_margin: 0.5}\n")
    with pytest.raises(ConfigError, match=r"duplicate key 'assumptions' \(lines 5 and 6\)"):
        load_config(cfg)


def test_cp1252_config_is_refused_clearly(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_bytes((BASE + "    columns: {closed_date: Gekündigt am}\n").encode("cp1252"))
    with pytest.raises(
        ConfigError, match=r"not UTF-8 text \(byte 0xfc on line 5; it looks like cp1252"
    ):
        load_config(cfg)


def test_utf8_with_bom_is_read(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_bytes(("\ufeff" + BASE).encode("utf-8"))
    assert load_config(cfg)["name"] == "t"


def test_alias_bomb_is_refused_before_it_grows(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    cfg = tmp_path / "c.yaml"
    cfg.write_text(BASE + "pareto:\n" + "\n".join(f"  {line}" for line in lines) + "\n")
    with pytest.raises(ConfigError, match="expands to more than 50,000 values"):
        load_config(cfg)


def test_small_aliases_are_fine(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(BASE + "pareto:\n  a: &shares [0.1, 0.2]\n  b: *shares\n")
    assert load_config(cfg)["pareto"]["b"] == [0.1, 0.2]


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(BASE + "    skip_rows: abc\nengine: {threads: many}\n")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "engine.threads" in str(info.value) and "tables.order_lines.skip_rows" in str(info.value)


def test_defaults_and_annotated_configs_match_the_schema() -> None:
    sections = defaults()
    assert schema_errors(sections, sections=sections) == []
    for path in sorted(paths.CONFIGS_DIR.glob("*.yaml")):
        written = read_yaml(path)
        assert schema_errors(written, sections=sections) == [], path.name
        assert schema_errors(load_config(path), sections=sections) == [], path.name


def test_a_section_the_defaults_add_is_allowed() -> None:
    assert (
        schema_errors({"tables": {"order_lines": "x.csv"}, "newsection": {"k": 1}}, ["newsection"])
        == []
    )
    assert schema_errors({"tables": {"order_lines": "x.csv"}, "newsection": {"k": 1}}) != []
