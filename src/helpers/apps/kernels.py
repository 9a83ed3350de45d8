"""The kernel manager of a served class: a kernel is culled once its tab is gone, never before.

Voila's pre-heated kernels wait, executed, for a student; one handed to a student has no
connection until the page's websocket opens, and its last activity is when it ran the notebook,
possibly long ago. Jupyter Server's culler would take it for abandoned and shut it down under
the student. :class:`ClassroomKernelManager` culls (``cull_idle_timeout``) only kernels that a
page has connected to at least once. One handed out that no page ever connected to (a tab closed
while its page was loading) is culled ``cull_unconnected_timeout`` seconds after the culler first
saw it out of the pool (Voila's pool keeps its waiting kernels from the culler): 300 s, since
on an overloaded machine a page can take minutes to connect (a class of 30 measured with 90 s
lost every kernel to the culler before its page connected).

Once the class has begun (a page has connected), the pool's replacement kernels start one at a
time, ``refill_spacing`` seconds apart: each runs the notebook (a few CPU-seconds), and thirty
of them at once took the cores from the students' first moves. A kernel for a student who finds
the pool empty is never held back.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import ensure_async
from traitlets import Float, Integer

__all__ = ["ClassroomKernelManager"]


class ClassroomKernelManager(AsyncMappingKernelManager):
    """Cull kernels whose page has gone; leave alone those whose page has not come yet."""

    cull_unconnected_timeout = Integer(
        300,
        config=True,
        help="Seconds a kernel out of the pool that no page ever connected to is kept, counted "
        "from when the culler first saw it.",
    )

    refill_spacing = Float(
        10.0,
        config=True,
        help="Seconds between the starts of two of the pool's replacement kernels once a page "
        "has connected (the pool's first fill and a kernel a student waits for are not spaced).",
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._ever_connected: set[str] = set()
        self._unconnected_since: dict[str, Any] = {}
        self._refill_lock = asyncio.Lock()
        self._next_refill = 0.0

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """Start a kernel; a replacement for the pool waits its turn once the class has begun.

        Voila marks a pool kernel's environment with ``VOILA_PREHEAT=True``.
        """
        preheat = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        if not (preheat and self._ever_connected):
            return await super().start_kernel(*args, **kwargs)
        async with self._refill_lock:
            await asyncio.sleep(max(0.0, self._next_refill - time.monotonic()))
            self._next_refill = time.monotonic() + self.refill_spacing
        return await super().start_kernel(*args, **kwargs)

    def notify_connect(self, kernel_id: str) -> None:
        """Count the connection, and remember that a page reached the kernel."""
        super().notify_connect(kernel_id)
        self._ever_connected.add(kernel_id)

    def was_connected(self, kernel_id: str) -> bool:
        """Whether a page has ever connected to the kernel."""
        return kernel_id in self._ever_connected

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull as Jupyter Server does; a kernel no page reached, once it has waited its time.

        The wait counts from the first time the culler sees the kernel (out of Voila's pool):
        its last activity may be long before, when it ran the notebook in the pool.
        """
        if not self.was_connected(kernel_id):
            if kernel_id not in self._kernels:
                self._unconnected_since.pop(kernel_id, None)
                return
            from jupyter_server._tz import utcnow

            since = self._unconnected_since.setdefault(kernel_id, utcnow())
            if utcnow() - since < timedelta(seconds=self.cull_unconnected_timeout):
                return
        await ensure_async(super().cull_kernel_if_idle(kernel_id))
