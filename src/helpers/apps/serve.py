"""Serve the apps with Voila: any dataset and period, kernels pre-heated, idle kernels culled.

``python -m helpers.apps.serve teach|explore --config C --period P --students N`` checks the
config and the period (exit 2 with a message when they are bad), ingests the dataset once, and
starts Voila with a pool of ``N`` pre-executed kernels (``VoilaConfiguration.preheat_kernel``)
and the culling of kernels whose tab is gone (``MappingKernelManager.cull_*``). The config and
period reach the notebook as environment variables (:data:`ENV_CONFIG`, :data:`ENV_PERIOD`),
which pre-heated kernels inherit (a query string would arrive after they ran); the notebook
reads them through :func:`app_parameters`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from helpers import paths
from helpers.config import ConfigError, load_config, parse_period, resolve_period

__all__ = [
    "APPS",
    "ENV_CONFIG",
    "ENV_PERIOD",
    "ENV_CACHE",
    "app_parameters",
    "check_parameters",
    "voila_command",
    "main",
]

#: app name -> its notebook
APPS = {
    "teach": "00-teaching-the-80-20-critique.ipynb",
    "explore": "00-explorer.ipynb",
}
#: environment variables the served notebooks read (set by :func:`main`, or by hand)
ENV_CONFIG = "SCBP_CONFIG"
ENV_PERIOD = "SCBP_PERIOD"
#: folder the teaching kernels of one server share their rendered worlds in
ENV_CACHE = "SCBP_TEACHING_CACHE"

_CULL_IDLE_S = 60  # a kernel with no tab (no websocket) and no activity for this long is culled
_CULL_EVERY_S = 15  # how often the server looks for such kernels
_FILL_DELAY_S = 60  # a used pre-heated kernel is replaced after the class has arrived, not during
_IOPUB_WAIT_S = 60  # a busy machine delays a cell's outputs; dropping them loses its widgets


def app_parameters(
    config_path: str, period: str, run_dir: str = "", environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The notebook's config and period: its parameters, else the environment's (served apps).

    Under the report pipeline (``run_dir`` set) the parameters are used as given, so a variable
    left in a scheduler's environment never changes a report.

    Parameters
    ----------
    config_path, period
        The notebook's ``parameters`` (empty: not given).
    run_dir
        The pipeline's run folder (empty in JupyterLab and Voila).
    environ
        Default ``os.environ``.

    Returns
    -------
    (str, str)
        The config path and the period (``""``: the sample world, the whole history), a
        relative period (``last-month``...) resolved to ``START:END``.
    """
    if run_dir:
        return config_path, period
    env = os.environ if environ is None else environ
    period = period or env.get(ENV_PERIOD, "")
    return config_path or env.get(ENV_CONFIG, ""), resolve_period(period.strip())


def check_parameters(config_path: str, period: str) -> tuple[str, str]:
    """Check the config loads and the period parses; resolve a relative period.

    Parameters
    ----------
    config_path
        A dataset config (YAML); empty for the sample world.
    period
        ``START:END`` (ISO dates), a relative word (``last-month``...) or empty.

    Returns
    -------
    (str, str)
        The config's absolute path (``""`` kept) and the period as ``START:END`` (or ``""``).

    Raises
    ------
    helpers.config.ConfigError
        When the config is missing or invalid, or the period cannot be read.
    """
    if config_path:
        path = Path(config_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"config {config_path}: no such file")
        load_config(path)
        config_path = str(path.resolve())
    resolved = resolve_period(period.strip())
    parse_period(resolved)
    return config_path, resolved


def voila_command(
    app: str, port: int, students: int, ip: str = "127.0.0.1", voila: str = "voila"
) -> list[str]:
    """The Voila command line of an app for a class of ``students``.

    Parameters
    ----------
    app
        A key of :data:`APPS`.
    port
        The port to listen on.
    students
        Kernels kept pre-heated (executed, waiting for a tab); 0 starts a kernel per visit.
    ip
        The address to listen on.
    voila
        The ``voila`` executable.

    Returns
    -------
    list of str
        The command.
    """
    preheat = students > 0
    return [
        voila,
        str(paths.NOTEBOOKS_DIR / APPS[app]),
        "--no-browser",
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--strip_sources=True",
        "--ExecutePreprocessor.timeout=300",
        # nbclient waits 4 s by default for a cell's last outputs, then moves on without them:
        # on a loaded machine a widget's display is lost ("model not found", an empty section)
        f"--VoilaExecutor.iopub_timeout={_IOPUB_WAIT_S}",
        f"--preheat_kernel={preheat}",
        f"--pool_size={max(students, 0)}",
        f"--VoilaKernelManager.fill_delay={_FILL_DELAY_S}",
        f"--MappingKernelManager.cull_idle_timeout={_CULL_IDLE_S}",
        f"--MappingKernelManager.cull_interval={_CULL_EVERY_S}",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
        "--VoilaConfiguration.multi_kernel_manager_class="
        "helpers.apps.kernels.ClassroomKernelManager",
        # the page's shutdown request on closing the tab carries no XSRF token (voila#1458):
        # without this, the kernel of a closed tab lives until it is culled
        "--Voila.tornado_settings=disable_check_xsrf=True",
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.apps.serve", description=__doc__.splitlines()[0]
    )
    parser.add_argument("app", choices=sorted(APPS), help="the app to serve")
    parser.add_argument("--config", default="", help="dataset config; default: the sample world")
    parser.add_argument(
        "--period", default="", help="START:END (ISO dates) or last-month, ytd...; default: all"
    )
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--ip", default="127.0.0.1")
    parser.add_argument("--students", type=int, default=4, help="kernels kept pre-heated (0: none)")
    return parser


def _prepare_data(config_path: str) -> dict:
    """Ingest the dataset once, before any kernel does (kernels would race on the folder).

    Returns the session config, resolved against the data (scaled default rates, currency).
    """
    from helpers.report.workspace import open_workspace
    from helpers.results import currency

    config = dict(open_workspace(config_path, "", "").config)
    config["_session_currency"] = currency()
    return config


def _start_renderers(folder: str, config: dict, count: int) -> list:
    """Write the class's session config and start its world renderers, two per core.

    ``count`` answer students' requests and ``count``, niced, draw worlds ahead
    (:class:`helpers.apps.world_server.Renderer`).
    """
    import json
    import subprocess

    from helpers.apps.world_server import CONFIG_FILE

    text = json.dumps(config, default=str)
    (Path(folder) / CONFIG_FILE).write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "helpers.apps.world_server", folder, "--role"]
    return [
        subprocess.Popen([*command, role], cwd=paths.PROJECT_ROOT)
        for role in ("answer", "ahead")
        for _ in range(count)
    ]


def _stop(processes: list) -> None:
    """Stop Voila (which shuts its kernels down) and the renderers, killing what hangs."""
    import subprocess

    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: Sequence[str] | None = None) -> int:
    """Check the parameters, prepare the data and run Voila (exit 2 on bad input)."""
    args = _parser().parse_args(argv)
    from helpers.ingest import IngestError

    try:
        config_path, period = check_parameters(args.config, args.period)
        config = _prepare_data(config_path)
    except (ConfigError, IngestError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    import subprocess

    voila = str(Path(sys.executable).with_name("voila"))
    env = {**os.environ, ENV_CONFIG: config_path, ENV_PERIOD: period}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the cache folder is removed
    with tempfile.TemporaryDirectory(prefix="scbp-teaching-") as cache:
        env[ENV_CACHE] = cache
        renderers = (
            _start_renderers(cache, config, os.cpu_count() or 1) if args.app == "teach" else []
        )
        command = voila_command(args.app, args.port, args.students, args.ip, voila)
        print(f"serving {APPS[args.app]} on http://{args.ip}:{args.port}/", flush=True)
        print(f"class cache: {cache}", flush=True)
        voila_process = subprocess.Popen(command, env=env, cwd=paths.PROJECT_ROOT)
        try:
            return voila_process.wait()
        except KeyboardInterrupt:
            return 130
        finally:
            _stop([voila_process, *renderers])


if __name__ == "__main__":
    sys.exit(main())
