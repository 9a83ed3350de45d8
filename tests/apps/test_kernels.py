"""A served class's kernel manager culls a kernel once its page has gone, never before it came."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest

from helpers.apps.kernels import ClassroomKernelManager


@pytest.fixture()
def manager(monkeypatch):
    from jupyter_server._tz import utcnow

    manager = ClassroomKernelManager(cull_idle_timeout=60, cull_unconnected_timeout=300)
    culled: list[str] = []

    async def shutdown(kernel_id, *args, **kwargs) -> None:
        culled.append(kernel_id)

    monkeypatch.setattr(manager, "shutdown_kernel", shutdown)
    idle_for = {"waiting": 600, "gone": 600, "forgotten": 3600}
    for kernel_id, seconds in idle_for.items():
        manager._kernels[kernel_id] = SimpleNamespace(
            execution_state="idle",
            kernel_name="python3",
            kernel_spec=SimpleNamespace(metadata={}),
            last_activity=utcnow() - timedelta(seconds=seconds),
        )
        manager._kernel_connections[kernel_id] = 0
    manager.notify_connect("gone")
    manager.notify_disconnect("gone")
    return manager, culled


def _cull(manager, kernel_id: str) -> None:
    asyncio.run(manager.cull_kernel_if_idle(kernel_id))


def test_a_kernel_whose_page_has_gone_is_culled(manager) -> None:
    mgr, culled = manager
    _cull(mgr, "gone")
    assert culled == ["gone"]


def test_a_kernel_waiting_for_its_page_is_not_culled(manager) -> None:
    mgr, culled = manager
    _cull(mgr, "waiting")
    assert culled == []


def test_a_kernel_no_page_ever_reached_is_culled_once_it_has_waited(manager) -> None:
    from jupyter_server._tz import utcnow

    mgr, culled = manager
    _cull(mgr, "forgotten")
    assert culled == [], "just handed out: its page may still come"
    mgr._unconnected_since["forgotten"] = utcnow() - timedelta(seconds=200)
    _cull(mgr, "forgotten")
    assert culled == [], "a page on a loaded machine may take minutes to connect"
    mgr._unconnected_since["forgotten"] = utcnow() - timedelta(seconds=301)
    _cull(mgr, "forgotten")
    assert culled == ["forgotten"], "no page came within 300 s of its leaving the pool"


def test_a_kernel_handed_out_is_kept_longer_than_a_page_may_take_to_load() -> None:
    waited = ClassroomKernelManager().cull_unconnected_timeout
    assert waited >= 240, "the classroom benchmark gives a page 240 s to show its charts"


def test_a_connected_kernel_is_not_culled(manager) -> None:
    mgr, culled = manager
    mgr.notify_connect("waiting")
    _cull(mgr, "waiting")
    assert culled == []


def test_the_pools_replacements_start_spaced_once_the_class_has_begun(monkeypatch) -> None:
    import time

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    started: list[tuple[str, float]] = []

    async def start(self, *args, **kwargs) -> str:
        started.append((kwargs["env"]["VOILA_PREHEAT"], time.monotonic()))
        return str(len(started))

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)
    manager = ClassroomKernelManager(refill_spacing=0.3)
    pool, asked = {"env": {"VOILA_PREHEAT": "True"}}, {"env": {"VOILA_PREHEAT": "False"}}

    async def starts(*kinds) -> None:
        await asyncio.gather(*(manager.start_kernel(**kind) for kind in kinds))

    asyncio.run(starts(pool, pool, pool))  # the pool's first fill: all at once
    first = [t for _, t in started]
    assert max(first) - min(first) < 0.2
    manager.notify_connect("1")  # the class has begun
    started.clear()
    asyncio.run(starts(pool, pool, pool, asked))
    refills = sorted(t for kind, t in started if kind == "True")
    asked_at = next(t for kind, t in started if kind == "False")
    assert all(b - a >= 0.25 for a, b in zip(refills, refills[1:], strict=False))
    assert asked_at - min(t for _, t in started) < 0.2, "a student's kernel is not held back"
