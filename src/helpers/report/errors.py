"""How a report run fails: typed exceptions whose ``exit_code`` a scheduler can act on."""

from __future__ import annotations

__all__ = ["EXIT_CODES", "RunError", "BadInput", "RunLocked", "NotebookFailed", "RunInterrupted"]

#: Exit codes of ``workbook report`` for schedulers (documented in the README).
EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "internal_error": 1,
    "bad_input": 2,  # bad arguments, config or data: nothing was rendered
    "locked": 3,  # another run holds the output folder's lock
    "notebook_failed": 4,  # a notebook raised or a cell timed out: its copy is kept in <out>/failed/
    "interrupted": 130,  # SIGINT (Ctrl-C): workers and kernels stopped, temporary folder removed
    "terminated": 143,  # SIGTERM (a scheduler's stop): the same clean stop
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


class RunInterrupted(RunError):
    """The run was stopped by a signal: workers and kernels stopped, nothing published.

    ``exit_code`` is 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
    """

    def __init__(self, signum: int) -> None:
        import signal

        name = signal.Signals(signum).name
        super().__init__(f"stopped by {name}: workers and kernels stopped, nothing published")
        self.exit_code = 128 + signum
