"""How a report run fails: typed exceptions whose ``exit_code`` a scheduler can act on."""

from __future__ import annotations

__all__ = ["EXIT_CODES", "RunError", "BadInput", "RunLocked", "NotebookFailed"]

#: Exit codes of ``workbook report`` for schedulers (documented in the README).
EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "internal_error": 1,
    "bad_input": 2,  # bad arguments, config or data: nothing was rendered
    "locked": 3,  # another run holds the output folder's lock
    "notebook_failed": 4,  # a notebook raised: its executed copy is kept in <out>/failed/
}


class RunError(RuntimeError):
    """A run failed; ``exit_code`` says how (see ``EXIT_CODES``)."""

    exit_code = EXIT_CODES["internal_error"]


class RunLocked(RunError):
    """Another run holds the output folder's lock: nothing was rendered."""

    exit_code = EXIT_CODES["locked"]


class BadInput(RunError):
    """Bad arguments, config or data: nothing was rendered."""

    exit_code = EXIT_CODES["bad_input"]


class NotebookFailed(RunError):
    """A notebook raised: its executed copy is kept in ``<out>/failed/<run-id>/``."""

    exit_code = EXIT_CODES["notebook_failed"]
