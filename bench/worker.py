"""Run one benchmark case in this (fresh) process and print its times as
one JSON line: ``python -m bench.worker CASE SIZE REPEATS [--no-warmup]``;
``CASE+BASELINE`` runs the two in turns (their times keyed by name).

A warm-up run on the 1k book first loads lazy imports and caches (Babel
data, the parsed invoice template), so the timed runs measure the work.
"""
from __future__ import annotations

import gc
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .cases import CASES


def measure(name: str, size: int, repeats: int, warmup: bool = True) -> dict:
    make = CASES[name]
    scratch = Path(tempfile.mkdtemp(prefix=f"milebill-bench-{name}-"))
    try:
        if warmup:
            case = make(1000, scratch / "warmup")
            case.timed(case.setup())
        case = make(size, scratch / "timed")
        times = []
        for _ in range(repeats):
            arg = case.setup()
            gc.collect()
            start = time.perf_counter()
            case.timed(arg)
            times.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"case": name, "size": size, "times": times,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def measure_pair(names: list[str], size: int, repeats: int) -> dict:
    """A case and its baseline in turns (A B A B ...) in one process, each
    warmed up first: a machine that slows down or speeds up mid-run weighs
    on both alike, so their ratio holds still."""
    scratch = Path(tempfile.mkdtemp(prefix="milebill-bench-pair-"))
    times: dict[str, list[float]] = {n: [] for n in names}
    try:
        cases = {}
        for n in names:
            warm = CASES[n](1000, scratch / f"warmup-{n}")
            warm.timed(warm.setup())
            cases[n] = CASES[n](size, scratch / f"timed-{n}")
        for _ in range(repeats):
            for n in names:
                arg = cases[n].setup()
                gc.collect()
                start = time.perf_counter()
                cases[n].timed(arg)
                times[n].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"case": "+".join(names), "size": size, "times": times,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main(argv: list[str]) -> int:
    name, size, repeats = argv[0], int(argv[1]), int(argv[2])
    if "+" in name:
        print(json.dumps(measure_pair(name.split("+"), size, repeats)))
    else:
        print(json.dumps(measure(name, size, repeats, "--no-warmup" not in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
