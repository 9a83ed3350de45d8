"""The ``workbook`` console script: render reports for schedulers and list the notebooks."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from helpers import paths
from helpers.report.errors import EXIT_CODES, RunError
from helpers.report.notebooks import notebook_parameters, report_notebooks
from helpers.report.run import run_report

__all__ = ["main"]

_EPILOG = "exit codes: " + ", ".join(f"{code} {name}" for name, code in EXIT_CODES.items())


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options of a run: config, period, output folder, jobs, quiet."""
    parser.add_argument(
        "--config",
        default=str(paths.SAMPLE_CONFIG),
        help="dataset config (YAML); default: the sample world",
    )
    parser.add_argument(
        "--period",
        default="",
        help="START:END in ISO dates, either side may be empty; or last-month, last-quarter, "
        "ytd, last-12-months (whole days before --as-of)",
    )
    parser.add_argument(
        "--as-of",
        default="today",
        help="the day relative periods are resolved against: today (UTC, default), data (the "
        "day after the data's last order date) or an ISO date",
    )
    parser.add_argument(
        "--out", default=str(paths.REPORTS_DIR), help="output folder; runs go to OUT/<run-id>/"
    )
    parser.add_argument("--jobs", type=int, default=2, help="notebooks rendered in parallel")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars (the default when stderr is not a terminal, as under cron)",
    )


def _parser() -> argparse.ArgumentParser:
    """The ``workbook`` command and its ``report``, ``run`` and ``list`` subcommands."""
    parser = argparse.ArgumentParser(prog="workbook", description=__doc__, epilog=_EPILOG)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="render the full report set", epilog=_EPILOG)
    _add_run_options(rep)
    rep.add_argument(
        "--notebooks", default="", help="comma-separated subset, e.g. 02,03 (default: all)"
    )
    run = sub.add_parser("run", help="render one notebook as a run", epilog=_EPILOG)
    run.add_argument(
        "notebook", help="notebook name or number, e.g. 03 or 03-pareto-and-whale-curve"
    )
    _add_run_options(run)
    lst = sub.add_parser("list", help="list the report notebooks and their parameters")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _list(as_json: bool) -> None:
    """Print the report notebooks and their parameters (as JSON, or one per line)."""
    listing = {nb.stem: notebook_parameters(nb) for nb in report_notebooks()}
    if as_json:
        print(json.dumps(listing, indent=2, default=str))
        return
    for name, params in listing.items():
        print(name)
        for pname, spec in params.items():
            kind = f"({spec['type']}) " if spec.get("type") not in (None, "None") else ""
            print(f"    {pname} = {spec['default']}  {kind}{spec['help']}".rstrip())


def _render(args: argparse.Namespace) -> None:
    """Render the run ``report`` or ``run`` asks for and print where it is."""
    names = (
        [args.notebook] if args.command == "run" else [n for n in args.notebooks.split(",") if n]
    )
    run = run_report(
        args.config,
        args.period,
        args.out,
        names or None,
        args.jobs,
        not args.quiet and sys.stderr.isatty(),  # a cron log gets one line per notebook
        as_of=args.as_of,
    )
    print(f"report ready: {run / 'index.html'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``workbook`` command.

    Parameters
    ----------
    argv
        The command's arguments (``None``: the process's).

    Returns
    -------
    int
        The exit code: one of ``EXIT_CODES`` (a run's error is printed, not raised), or 130
        when interrupted.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _list(args.json)
        else:
            _render(args)
        return EXIT_CODES["ok"]
    except RunError as exc:
        print(f"workbook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("workbook: interrupted; earlier runs untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
