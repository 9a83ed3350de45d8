"""A class on one machine: N students open the teaching app and move its controls for M minutes.

The server is started as ``make teach`` starts it (``python -m helpers.apps.serve teach``, a
pool of N pre-heated kernels). Students are Playwright contexts of one headless Chromium
(``/usr/bin/chromium``; no browser is downloaded). They arrive spread over ``--arrival`` seconds;
each then presses an arrow key on a randomly chosen slider every ``--every`` seconds (seeded per
student, so runs repeat) until ``--minutes`` after its arrival, then closes its tab.

Measured: first paint (navigation to the first chart and slider shown), response (key press to
a changed chart drawing or finding: a PNG's source, or a line bqplot drew in the browser), kernel memory (RSS and USS of each student's kernel, psutil, at
the end of the session), widget errors on any page, and the students' kernels still alive
after the tabs closed (polled for up to ``--linger`` seconds), and the CPU seconds the class
took per role (kernels, answering and drawing-ahead renderers, Voila, the browsers; sampled every 5 s with psutil), from
which the server's CPU per student follows. Baseline in the same run: one
student's response on the idle machine (the first student's first move, before others arrive).
Results: bench/results/classroom.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
SLIDERS = ["Share of big accounts", "Discount curve", "Cost per order", "First-year closure",
           "Approval layers"]  # fmt: skip
#: a chart's drawing (a PNG's source, or the lines bqplot draws in the browser) and the findings
WATCHED = ".scbp-chart img, .scbp-chart svg path.line, .scbp-finding"
CHART = ".scbp-chart img, .scbp-chart svg path.line"
SNAPSHOT = (
    "els => els.map(e => e.tagName === 'IMG' ? e.src"
    " : e.tagName.toLowerCase() === 'path' ? e.getAttribute('d') : e.innerText)"
)
#: resolves once a watched element differs from ``before`` (a MutationObserver: a page waiting
#: for its answer costs nothing, where polling every animation frame in 30 pages took the CPU
#: the server needed)
CHANGED = f"""([sel, before, timeoutMs]) => new Promise((resolve, reject) => {{
  const changed = () => {{
    const now = ({SNAPSHOT})(Array.from(document.querySelectorAll(sel)));
    return now.length !== before.length || now.some((v, i) => v !== before[i]);
  }};
  if (changed()) return resolve(true);
  const observer = new MutationObserver(() => {{
    if (changed()) {{ observer.disconnect(); clearTimeout(timer); resolve(true); }}
  }});
  observer.observe(document.body, {{subtree: true, childList: true, attributes: true,
                                    characterData: true}});
  const timer = setTimeout(() => {{ observer.disconnect(); reject(new Error("no response")); }},
                           timeoutMs);
}})"""
ERRORS = ".jp-OutputArea-output[data-mime-type*='error']"
LOAD_TIMEOUT_S = 240
RESPONSE_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernels(server: psutil.Process) -> dict[int, psutil.Process]:
    """The server's kernel processes (ipykernel), by pid."""
    out = {}
    for child in server.children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                out[child.pid] = child
        except psutil.Error:
            continue
    return out


def _start_server(students: int, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "helpers.apps.serve", "teach", "--port", str(port),
               "--students", str(students)]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.Popen(
        command, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
        start_new_session=True,
    )  # fmt: skip


def _wait_for_pool(proc: subprocess.Popen, log: Path, students: int, timeout: float) -> float:
    """Seconds until the pool of pre-heated kernels is full and every kernel has run its notebook.

    Voila says the pool is full when the kernels have started; they have run the notebook when
    they sit idle (under 3% of a core each, twice in a row).
    """
    began = time.monotonic()
    pattern = re.compile(r"is filled with \d+ kernel")
    idle_twice = 0
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        if pattern.search(log.read_text(errors="replace")):
            kernels = list(_kernels(psutil.Process(proc.pid)).values())
            for kernel in kernels:
                kernel.cpu_percent(None)
            time.sleep(2)
            busy = [k for k in kernels if k.is_running() and k.cpu_percent(None) > 3]
            ready = len(kernels) >= students and not busy and _rendered_ahead(log)
            idle_twice = idle_twice + 1 if ready else 0
            if idle_twice >= 2:
                return time.monotonic() - began
        else:
            time.sleep(1)
    raise RuntimeError(f"the pool of {students} kernels was not ready in {timeout:.0f} s")


def _rendered_ahead(log: Path) -> bool:
    """Whether the class's renderers have rendered ahead what they render before a lesson."""
    found = re.search(r"class cache: (\S+)", log.read_text(errors="replace"))
    folder = Path(found.group(1)) if found else None
    return folder is not None and len(list(folder.glob("ahead-done-*"))) >= (os.cpu_count() or 1)


def _worlds(log: Path) -> int:
    """Worlds rendered so far in the class's cache (each once, whoever asked)."""
    found = re.search(r"class cache: (\S+)", log.read_text(errors="replace"))
    if not found:
        return 0
    return sum(1 for p in Path(found.group(1)).glob("*.json") if not p.name.startswith("session"))


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(values), "p50": round(statistics.median(ordered), 3),
            "p95": round(p95, 3), "max": round(ordered[-1], 3)}  # fmt: skip


async def _snapshot(page) -> list[str]:
    return await page.eval_on_selector_all(WATCHED, SNAPSHOT)


async def _move(page, rng: random.Random) -> float:
    """Press an arrow key on a random slider; seconds until a chart or a finding changes."""
    label = rng.choice(SLIDERS)
    row = page.locator(".widget-slider", has=page.locator("label.widget-label", has_text=label))
    handle = row.locator("[role=slider]").first
    now = float(await handle.get_attribute("aria-valuenow"))
    top = float(await handle.get_attribute("aria-valuemax"))
    low = float(await handle.get_attribute("aria-valuemin"))
    key = rng.choice(["ArrowRight", "ArrowLeft"])
    if now >= top:
        key = "ArrowLeft"
    elif now <= low:
        key = "ArrowRight"
    before = await _snapshot(page)
    await handle.focus()
    began = time.monotonic()
    await page.keyboard.press(key)
    await page.evaluate(CHANGED, [WATCHED, before, RESPONSE_TIMEOUT_S * 1000])
    return time.monotonic() - began


async def _student(number: int, browser, url: str, start: float, args, out: dict) -> None:
    """One student: arrive, wait for the page, move a control every ``args.every`` seconds."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    rng = random.Random(1000 + number)
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    record = {"student": number, "responses": [], "timeouts": 0}
    began = time.monotonic()
    try:
        await page.goto(url, timeout=LOAD_TIMEOUT_S * 1000, wait_until="domcontentloaded")
        await page.locator(CHART).first.wait_for(timeout=LOAD_TIMEOUT_S * 1000)
        await page.locator(".widget-slider [role=slider]").first.wait_for(
            timeout=LOAD_TIMEOUT_S * 1000
        )
        record["first_paint_s"] = time.monotonic() - began
        stop = began + args.minutes * 60
        while time.monotonic() + args.every <= stop:
            await asyncio.sleep(args.every * rng.uniform(0.8, 1.2))
            try:
                record["responses"].append(await _move(page, rng))
            except Exception:  # noqa: BLE001 - a response that never came is counted, not fatal
                record["timeouts"] += 1
    except Exception as error:  # noqa: BLE001
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    text = await page.locator("body").inner_text()
    record["widget_errors"] = (
        text.count("Error displaying widget") + await page.locator(ERRORS).count()
    )
    await page.close(run_before_unload=True)
    await context.close()
    record["closed_at"] = time.monotonic()
    out[number] = record


_ROLES = ["kernels", "renderers_answering", "renderers_ahead", "voila", "browsers"]


def _role(process: psutil.Process) -> str | None:
    """What a process of the class is: kernel, renderer, voila or browser (None: none of ours)."""
    command = " ".join(process.cmdline())
    if "ipykernel_launcher" in command:
        return "kernels"
    if "helpers.apps.world_server" in command:
        return "renderers_ahead" if "ahead" in process.cmdline() else "renderers_answering"
    if "voila" in command or "helpers.apps.serve" in command:
        return "voila"
    if "chrom" in process.name():
        return "browsers"
    return None


def _cpu_sample(server: psutil.Process, cpu: dict) -> None:
    """Add each process's CPU seconds since the last sample to its role's total.

    The server's tree and the bench's own browsers (Chromium, children of Playwright's driver);
    a process that ended between two samples loses its last 5 s at most.
    """
    seen = cpu.setdefault("_last", {})
    try:
        tree = [server, *server.children(recursive=True)]
        tree += psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for process in tree:
        try:
            times = process.cpu_times()
            role = _role(process)
        except psutil.Error:
            continue
        if role is None:
            continue
        key = (process.pid, process.create_time())
        total = times.user + times.system
        cpu[role] = cpu.get(role, 0.0) + total - seen.get(key, 0.0)
        seen[key] = total


async def _memory_sampler(server: psutil.Process, samples: dict, stop: asyncio.Event) -> None:
    """Peak RSS and USS of each kernel, CPU per role and the machine's load average, every 5 s."""
    cpu = samples.setdefault("cpu", {})
    _cpu_sample(server, cpu)  # the pool's first fill, before the class, is not counted
    cpu.update(dict.fromkeys(_ROLES, 0.0))
    while not stop.is_set():
        _cpu_sample(server, cpu)
        samples.setdefault("load", []).append(os.getloadavg()[0])
        for pid, kernel in _kernels(server).items():
            try:
                info = kernel.memory_full_info()
            except psutil.Error:
                continue
            peak = samples.setdefault(pid, {"rss": 0, "uss": 0})
            peak["rss"] = max(peak["rss"], info.rss)
            peak["uss"] = max(peak["uss"], info.uss)
        try:
            await asyncio.wait_for(stop.wait(), timeout=5)
        except TimeoutError:
            pass
    _cpu_sample(server, cpu)


async def _class(url: str, server: psutil.Process, args) -> dict:
    from playwright.async_api import async_playwright

    students: dict[int, dict] = {}
    samples: dict[int, dict] = {}
    stop = asyncio.Event()
    student_kernels = set(_kernels(server))  # the pool the students will take
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        sampler = asyncio.create_task(_memory_sampler(server, samples, stop))
        began = time.monotonic()
        gap = args.arrival / max(args.students - 1, 1)
        await asyncio.gather(
            *(
                _student(i, browser, url, began + i * gap, args, students)
                for i in range(args.students)
            )
        )
        stop.set()
        await sampler
        await browser.close()
    seconds = time.monotonic() - began
    return {"students": students, "samples": samples, "kernels": student_kernels,
            "class_s": seconds}  # fmt: skip


def _lingering(server: psutil.Process, kernels: set[int], linger: float) -> tuple[int, float]:
    """Students' kernels still alive after ``linger`` s (and the seconds the last one lived)."""
    began = time.monotonic()
    while time.monotonic() - began < linger:
        alive = kernels & set(_kernels(server))
        if not alive:
            return 0, time.monotonic() - began
        time.sleep(2)
    return len(kernels & set(_kernels(server))), time.monotonic() - began


def _cpu_summary(run: dict, students: int) -> dict:
    """CPU seconds per role during the class, and per student: the server's and the browsers'.

    What one machine serves with the browsers elsewhere is its cores' seconds over the
    server's CPU per student (kernels, answering renderers, Voila: the niced renderers that
    draw ahead only take what is left idle); the browsers' share is what the benchmark adds by
    running them on the same cores.
    """
    cpu = {k: round(v, 1) for k, v in run["samples"].get("cpu", {}).items() if k != "_last"}
    server = sum(cpu.get(k, 0.0) for k in ("kernels", "renderers_answering", "voila"))
    return {
        "class_s": round(run["class_s"], 1),
        "cpu_s_during_class": cpu,
        "server_cpu_s_per_student": round(server / max(students, 1), 2),
        "browser_cpu_s_per_student": round(cpu.get("browsers", 0.0) / max(students, 1), 2),
        "server_share_of_machine": round(server / (run["class_s"] * psutil.cpu_count()), 3),
    }


def _summary(run: dict, args, pool_s: float, alive: int, gone_after: float) -> dict:
    students = run["students"].values()
    responses = [r for s in students for r in s["responses"]]
    firsts = [s["first_paint_s"] for s in students if "first_paint_s" in s]
    mb = 1024 * 1024
    used = [run["samples"][pid] for pid in run["kernels"] if pid in run["samples"]]
    load = run["samples"].get("load", [0.0])
    rss = [u["rss"] / mb for u in used]
    uss = [u["uss"] / mb for u in used]
    return {
        "students": args.students,
        "minutes": args.minutes,
        "arrival_s": args.arrival,
        "move_every_s": args.every,
        "cpu_count": psutil.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in args.load_at_start],
        "load_average_1min_during_class": {
            "median": round(statistics.median(load), 1),
            "max": round(max(load), 1),
        },  # fmt: skip
        "pool_ready_s": round(pool_s, 1),
        **_cpu_summary(run, args.students),
        "first_paint_s": _percentiles(firsts),
        "response_s": _percentiles(responses),
        "response_timeouts": sum(s["timeouts"] for s in students),
        "moves": len(responses),
        "worlds": run["worlds"],
        "baseline_first_response_s": round(run["students"][0]["responses"][0], 3)
        if run["students"].get(0, {}).get("responses")
        else None,
        "kernel_peak_rss_mb": _percentiles(rss),
        "kernel_peak_uss_mb": _percentiles(uss),
        "pages_with_widget_errors": sum(1 for s in students if s.get("widget_errors")),
        "page_errors": [s["error"] for s in students if "error" in s],
        "kernels_alive_after_tabs_closed": alive,
        "seconds_until_last_kernel_gone": round(gone_after, 1) if not alive else None,
        "linger_limit_s": args.linger,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument(
        "--arrival", type=float, default=60.0, help="seconds over which they arrive"
    )
    parser.add_argument("--every", type=float, default=15.0, help="seconds between two moves")
    parser.add_argument("--linger", type=float, default=120.0, help="wait for kernels to go (s)")
    parser.add_argument("--quick", action="store_true", help="3 students, 1 minute")
    parser.add_argument("--out", default=str(RESULTS / "classroom.json"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.students, args.minutes, args.arrival = 3, 1.0, 10.0
    if not Path(CHROMIUM).exists():
        print(f"skipped: no Chromium at {CHROMIUM}")
        return 0
    args.load_at_start = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = RESULTS / "classroom-voila.log"
    proc = _start_server(args.students, port, log)
    try:
        pool_s = _wait_for_pool(proc, log, args.students, 600 + 30 * args.students)
        ahead = _worlds(log)
        server = psutil.Process(proc.pid)
        run = asyncio.run(_class(f"http://127.0.0.1:{port}/", server, args))
        run["worlds"] = {"rendered_before_class": ahead, "rendered_in_all": _worlds(log)}
        alive, gone_after = _lingering(server, run["kernels"], args.linger)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    result = _summary(run, args, pool_s, alive, gone_after)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
