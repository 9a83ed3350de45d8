"""One kernel per report worker, reused from notebook to notebook and wiped in between.

Starting a kernel and importing pandas, matplotlib, DuckDB and the helpers costs each notebook
3-5 s before its first line of analysis runs; nine notebooks paid it nine times. A report worker
now starts one kernel and runs its notebooks in it one after the other. Before each notebook
after the first, the kernel is wiped: the user namespace and output history are cleared
(IPython's ``%reset -f``), figures closed, matplotlib's settings and the warning filters put
back as they were when the kernel started, the working folder restored and the execution count
set back to 1. What survives is what makes the reuse worth it: imported modules.

A notebook that failed, timed out or lost its kernel is never followed by another in the same
kernel: the kernel is stopped and the next notebook gets a fresh one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import uuid
from typing import Any

__all__ = ["quiet_kernel_manager", "shared_kernel", "retire_kernel", "WIPE", "SNAPSHOT"]

#: run silently in a fresh kernel before its first notebook: what a wipe restores
SNAPSHOT = """
def _wbk_snapshot():
    import os, sys, warnings
    import matplotlib
    ip = get_ipython()
    ip._wbk_state = {
        "rc": dict(matplotlib.rcParams),
        "filters": list(warnings.filters),
        "cwd": os.getcwd(),
    }
_wbk_snapshot()
del _wbk_snapshot
"""

#: run silently in a used kernel before its next notebook
WIPE = """
get_ipython().run_line_magic("reset", "-f")
def _wbk_wipe():
    import gc, os, sys, warnings
    ip = get_ipython()
    state = ip._wbk_state
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    import matplotlib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(state["rc"])
    warnings.filters[:] = state["filters"]
    warnings._filters_mutated()
    os.chdir(state["cwd"])
    ip.execution_count = 1
    gc.collect()
_wbk_wipe()
del _wbk_wipe
"""


def quiet_kernel_manager() -> type:
    """A kernel manager whose kernels log nothing that is not the user's business.

    Its kernels talk over local IPC sockets (no TCP port, so ipykernel has no reason to warn
    about unencrypted TCP) and are shut down without the SIGINT jupyter_client sends first
    (which makes ipykernel log "ERROR | KeyboardInterrupt caught in kernel").
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        """IPC transport; no interrupt on shutdown."""

        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault(
                "transport", "ipc"
            )  # sockets /tmp/wbk-<random>-<n>, one set per kernel
            kwargs.setdefault("ip", os.path.join(tempfile.gettempdir(), f"wbk-{uuid.uuid4().hex}"))
            super().__init__(**kwargs)

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:  # a real interrupt still goes through
                await super()._async_interrupt_kernel()

    return QuietKernelManager


_KERNEL: dict[str, Any] = {}  # this worker's kernel manager and how many notebooks it ran


def _manager_class() -> type:
    """The report's quiet kernel manager, remembering its last client to close it later."""
    base = quiet_kernel_manager()

    class ReusedKernelManager(base):  # type: ignore[misc, valid-type]
        """Closes the previous notebook's client (its sockets, its heartbeat thread)."""

        last_client: Any = None

        def client(self, **kwargs: Any) -> Any:
            if self.last_client is not None:
                with contextlib.suppress(Exception):
                    self.last_client.stop_channels()
            self.last_client = super().client(**kwargs)
            return self.last_client

    return ReusedKernelManager


async def _prepare(km: Any, code: str) -> None:
    """Run ``code`` silently in ``km``'s kernel; raise if it fails."""
    reply = await km.last_client.execute_interactive(
        code, silent=True, store_history=False, timeout=120, output_hook=lambda msg: None
    )
    if reply["content"].get("status") != "ok":
        content = reply["content"]
        raise RuntimeError(f"preparing the kernel: {content.get('ename')}: {content.get('evalue')}")


def shared_kernel() -> dict[str, Any]:
    """Papermill arguments that run the next notebook in this worker's kernel.

    Returns
    -------
    dict
        ``km`` (the kernel manager: started by papermill on first use) and ``on_notebook_start``
        (the hook that snapshots a fresh kernel or wipes a used one before the cells run).
    """
    if "km" not in _KERNEL:
        _KERNEL.update(km=_manager_class()(kernel_name="python3"), runs=0)
        atexit.register(retire_kernel)
    km, used = _KERNEL["km"], _KERNEL["runs"] > 0
    _KERNEL["runs"] += 1

    async def on_notebook_start(notebook: Any = None, **_: Any) -> None:
        await _prepare(km, WIPE if used else SNAPSHOT)

    return {"km": km, "on_notebook_start": on_notebook_start}


def retire_kernel() -> None:
    """Stop this worker's kernel (after a failure, or when the worker exits); never raises."""
    km = _KERNEL.pop("km", None)
    _KERNEL.pop("runs", None)
    if km is None:
        return
    with contextlib.suppress(Exception):
        if km.last_client is not None:
            km.last_client.stop_channels()
    with contextlib.suppress(Exception):
        if km.has_kernel:
            km.provisioner.process.kill()
            km.provisioner.process.wait(timeout=5)
    with contextlib.suppress(Exception):
        km.cleanup_connection_file()
        km.cleanup_ipc_files()
