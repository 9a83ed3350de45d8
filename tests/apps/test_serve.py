"""Serving the apps: the config and period reach the notebook, bad input stops with exit 2."""

from __future__ import annotations

import pytest

from helpers import paths
from helpers.apps import serve
from helpers.config import ConfigError


def test_served_notebook_takes_the_environment() -> None:
    env = {serve.ENV_CONFIG: "configs/x.yaml", serve.ENV_PERIOD: "2024-01-01:2024-06-30"}
    assert serve.app_parameters("", "", "", env) == ("configs/x.yaml", "2024-01-01:2024-06-30")


def test_parameters_given_win_over_the_environment() -> None:
    env = {serve.ENV_CONFIG: "configs/x.yaml", serve.ENV_PERIOD: "2024-01-01:"}
    assert serve.app_parameters("a.yaml", "2023-01-01:", "", env) == ("a.yaml", "2023-01-01:")


def test_the_report_pipeline_ignores_the_environment() -> None:
    env = {serve.ENV_CONFIG: "configs/x.yaml", serve.ENV_PERIOD: "2024-01-01:"}
    assert serve.app_parameters("", "", "/runs/r1", env) == ("", "")


def test_a_relative_period_is_resolved() -> None:
    config, period = serve.app_parameters("", "", "", {serve.ENV_PERIOD: "last-month"})
    start, end = period.split(":")
    assert config == "" and start < end and len(start) == 10


def test_check_parameters_resolves_the_config_path() -> None:
    config, period = serve.check_parameters(str(paths.SAMPLE_CONFIG), "2024-01-01:")
    assert config == str(paths.SAMPLE_CONFIG.resolve()) and period == "2024-01-01:"


@pytest.mark.parametrize(
    ("config", "period", "match"),
    [("no-such.yaml", "", "no such file"), ("", "2024-13-01:", "ISO date"), ("", "soon", "START")],
    ids=["missing-config", "bad-date", "not-a-period"],
)
def test_bad_input_is_a_config_error(config: str, period: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        serve.check_parameters(config, period)


def test_bad_input_exits_2_with_a_message(capsys) -> None:
    assert serve.main(["explore", "--config", "no-such.yaml"]) == 2
    err = capsys.readouterr().err
    assert "no-such.yaml" in err and "Traceback" not in err


def test_voila_command_preheats_and_culls() -> None:
    command = serve.voila_command("teach", 9000, 30)
    assert command[1].endswith(serve.APPS["teach"])
    assert "--preheat_kernel=True" in command and "--pool_size=30" in command
    assert "--MappingKernelManager.cull_connected=False" in command
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in command)
    assert "--preheat_kernel=False" in serve.voila_command("explore", 9000, 0)
    assert "--VoilaExecutor.iopub_timeout=60" in command, "no widget lost on a busy machine"
    assert "--Voila.tornado_settings=disable_check_xsrf=True" in command, "tab closes its kernel"
    assert any(a.endswith("kernels.ClassroomKernelManager") for a in command)


def test_a_served_kernel_imports_neither_scipy_nor_jsonschema() -> None:
    # each student's kernel (and each replacement) pays its imports: scipy.special and
    # jsonschema were 0.7 s of a 3 s start, and a served kernel needs neither
    import subprocess
    import sys

    code = (
        "import sys; from helpers.apps import serve, teaching; "
        "print(sorted(m for m in ('scipy', 'jsonschema', 'matplotlib', 'duckdb', 'ibis') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
