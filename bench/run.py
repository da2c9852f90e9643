"""Run every benchmark and write ``bench/results.md`` and ``bench/results.json``.

    .venv/bin/python -m bench            # 1k, 10k, 100k milestones (about 30 min)
    .venv/bin/python -m bench --quick    # 1k and 10k, 3 runs each
    .venv/bin/python -m bench --sizes 1000,10000 --repeats 5

Each case runs in a fresh process (``bench.worker``): a warm-up on the 1k
book, then the timed runs, untimed setup (a fresh copy of the book) before
each. A target and its baseline (check and calamine, refresh and openpyxl)
share one process and run in turns. Ratios compare medians measured in the
same run on the same machine; absolute seconds are not targets.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
PY = sys.executable

ACTIONS = ("check", "report", "refresh", "issue", "pay", "void")
BASELINES = ("calamine", "openpyxl")
ISSUE_SIZE = 10_000           # the book whose issue run writes 1,000 invoices
DOC_CASES = ("naive_docs", "milebill_docs", "docxtpl")
# Above 10k only these run (report, pay and void are check/refresh plus a
# little; at 100k each run takes minutes).
LARGE_CASES = ("check", "refresh", "issue", "calamine", "openpyxl")
# A target and its baseline run in turns in one process (bench.worker
# measure_pair), so drift of a noisy machine cannot tilt their ratio.
PAIRS = {"check": "calamine", "refresh": "openpyxl"}
CHECK_PROCESSES = 3
GiB = 2**30


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def worker(case: str, size: int, repeats: int) -> dict:
    log(f"{case} at {size:,} x{repeats}")
    out = subprocess.run([PY, "-m", "bench.worker", case, str(size), str(repeats)],
                         cwd=REPO, env=_env(), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{case} {size}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(times: list[float]) -> dict:
    ts = sorted(times)
    q = statistics.quantiles(ts, n=4) if len(ts) >= 2 else [ts[0]] * 3
    return {"median": statistics.median(ts), "min": ts[0], "max": ts[-1],
            "q1": q[0], "q3": q[2], "runs": len(ts), "times": times}


def peak_rss(args: list[str]) -> int:
    """Peak resident set size (bytes) of a command run in a fresh process."""
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([PY, "-c", code, *args], cwd=REPO, env=_env(),
                         capture_output=True, text=True, check=True)
    rc, kb = out.stdout.split()
    if rc != "0":
        raise RuntimeError(f"{args}: exit {rc}")
    return int(kb) * 1024


def wall(args: list[str], repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(args, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return summary(times)


def milebill_cli() -> list[str]:
    exe = Path(PY).with_name("milebill")
    return [str(exe)] if exe.exists() else [PY, "-m", "milebill_xl.cli"]


def cli_startup(repeats: int) -> dict:
    from .portfolio import book_path
    log("CLI startup")
    small = str(book_path(1000))
    return {
        "python": wall([PY, "-c", "pass"], repeats),
        "import_cli": wall([PY, "-c", "import milebill_xl.cli"], repeats),
        "help": wall([*milebill_cli(), "--help"], repeats),
        "check_1k_cli": wall([*milebill_cli(), "check", small], repeats),
    }


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem / GiB, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "date": dt.datetime.now().isoformat(timespec="minutes"), "commit": commit}


def live_excel(size: int) -> dict:
    log(f"live Excel (fake) at 10 and {size:,} milestones")
    out = subprocess.run([PY, "-m", "bench.live", str(size)], cwd=REPO, env=_env(),
                         capture_output=True, text=True)
    if out.returncode != 0:
        return {"available": False, "error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(sizes: list[int], repeats_small: int, repeats_large: int, skip: set[str]) -> dict:
    from .portfolio import book_path
    books = {}
    for size in sorted({*sizes, 10, 1000}):
        books[str(size)] = str(book_path(size))
        log(f"book of {size:,} milestones: {Path(books[str(size)]).name}")
    os.environ["MILEBILL_BENCH_BOOKS"] = json.dumps(books)
    res: dict = {"machine": machine(), "sizes": sizes, "cases": {}}
    for size in sizes:
        reps = repeats_small if size <= 10_000 else repeats_large
        paired = {b for a, b in PAIRS.items() if a not in skip and b not in skip}
        for case in ACTIONS + BASELINES:
            if case in skip or case in paired or (size > 10_000 and case not in LARGE_CASES):
                continue
            base = PAIRS.get(case) if PAIRS.get(case) in paired else None
            # check and calamine take seconds even at 100k: 5 runs in each of
            # CHECK_PROCESSES processes (a process's speed on this kind of VM
            # varies more than the runs within it do)
            n, procs = (max(reps, 5), CHECK_PROCESSES) if case == "check" else (reps, 1)
            times: dict[str, list[float]] = {}
            for _ in range(procs):
                got = worker(f"{case}+{base}" if base else case, size, n)
                for name, ts in (got["times"] if base else {case: got["times"]}).items():
                    times.setdefault(name, []).extend(ts)
            for name, ts in times.items():
                res["cases"].setdefault(name, {})[str(size)] = {**summary(ts),
                                                                "maxrss": got["maxrss_kb"] * 1024}
    if ISSUE_SIZE in sizes:
        for case in DOC_CASES:
            if case in skip:
                continue
            reps = 3 if case == "docxtpl" else repeats_small
            got = worker(case, ISSUE_SIZE, reps)
            res["cases"].setdefault(case, {})[str(ISSUE_SIZE)] = summary(got["times"])
    res["peak_rss_check"] = {}
    for size in sizes:
        log(f"peak RSS of milebill check at {size:,}")
        res["peak_rss_check"][str(size)] = peak_rss([*milebill_cli(), "check", str(book_path(size))])
    res["cli"] = cli_startup(5)
    if "live" not in skip:
        res["live"] = live_excel(1000)
    return res


# ------------------------------------------------------------------ report

def _s(x: float) -> str:
    return f"{x:.2f} s" if x >= 0.1 else f"{x * 1000:.0f} ms"


def _cell(stat: dict | None) -> str:
    if not stat:
        return "–"
    return f"{_s(stat['median'])} ({_s(stat['min'])}–{_s(stat['max'])})"


def _med(res: dict, case: str, size: int) -> float | None:
    st = res["cases"].get(case, {}).get(str(size))
    return st["median"] if st else None


def targets(res: dict) -> list[dict]:
    rows = []
    for size in res["sizes"]:
        c, b = _med(res, "check", size), _med(res, "calamine", size)
        if c and b:
            rows.append({"what": f"`check`, {size:,} milestones",
                         "baseline": "python-calamine reading every sheet", "ratio": c / b,
                         "target": "<= 2x", "met": c / b <= 2})
    for size in res["sizes"]:
        r, b = _med(res, "refresh", size), _med(res, "openpyxl", size)
        if r and b:
            rows.append({"what": f"`refresh`, {size:,} milestones",
                         "baseline": "openpyxl load_workbook + save", "ratio": r / b,
                         "target": "<= 0.5x", "met": r / b <= 0.5})
    i = _med(res, "issue", ISSUE_SIZE)
    n, d = _med(res, "naive_docs", ISSUE_SIZE), _med(res, "docxtpl", ISSUE_SIZE)
    if i and n:
        rows.append({"what": f"`issue` of 1,000 invoices ({ISSUE_SIZE:,}-milestone book, documents included)",
                     "baseline": "zip copy + str.replace of the same 1,000 documents",
                     "ratio": i / n, "target": "<= 3x", "met": i / n <= 3})
    if i and d:
        rows.append({"what": "`issue` of 1,000 invoices",
                     "baseline": "docxtpl rendering the same 1,000 documents",
                     "ratio": i / d, "target": "faster (< 1x)", "met": i < d})
    for size, rss in list(res.get("peak_rss_check", {}).items())[-1:]:
        rows.append({"what": f"peak RSS of `milebill check`, {int(size):,} milestones",
                     "baseline": "", "ratio": None, "value": f"{rss / 2**20:,.0f} MiB",
                     "target": "< 1 GiB", "met": rss < GiB})
    live = res.get("live") or {}
    if live.get("available"):
        small, big = live["sizes"]
        same = all(_calls(v[str(small)]) == _calls(v[str(big)]) for v in live["actions"].values())
        rows.append({"what": f"live-Excel actions (fake xlwings), {big:,} milestones",
                     "baseline": "same action at 10 milestones", "ratio": None,
                     "value": "same calls" if same else "calls differ",
                     "target": "same number of Excel calls", "met": same})
    elif "live" in res:
        rows.append({"what": "live-Excel actions (fake xlwings)", "baseline": "", "ratio": None,
                     "value": "not available", "target": "same number of Excel calls", "met": False})
    return rows


def _calls(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "seconds"}


def markdown(res: dict) -> str:
    m = res["machine"]
    sizes = res["sizes"]
    out = ["# milebill_xl benchmark results", "",
           f"{m['date']}, commit {m['commit']}: {m['nproc']} × {m['cpu']}, "
           f"{m['memory_gib']} GiB RAM, Python {m['python']} ({m['platform']}).",
           "Median of the runs, (min–max) in brackets. Generated by `bash scripts/bench.sh`.", "",
           "## Targets", "", "| measure | baseline | ratio / value | target | met |",
           "|---|---|---|---|---|"]
    for t in targets(res):
        val = f"{t['ratio']:.2f}x" if t.get("ratio") is not None else t.get("value", "")
        out.append(f"| {t['what']} | {t['baseline']} | {val} | {t['target']} | "
                   f"{'yes' if t['met'] else '**no**'} |")
    out += ["", "## Times per size (in-process, `milebill_xl.actions.<x>.run` on a FileBook)", "",
            "| case | " + " | ".join(f"{s:,} milestones" for s in sizes) + " | growth |",
            "|---|" + "---|" * len(sizes) + "---|"]
    for case in ACTIONS + BASELINES:
        if case not in res["cases"]:
            continue
        st = res["cases"][case]
        meds = [st.get(str(s), {}).get("median") for s in sizes]
        growth = " → ".join(f"×{b / a:.1f}" for a, b in zip(meds, meds[1:]) if a and b)
        out.append(f"| {case} | " + " | ".join(_cell(st.get(str(s))) for s in sizes)
                   + f" | {growth} |")
    out += ["", "Growth is the ratio of medians from one size to the next (10× the rows: "
            "×10 is linear). `issue` writes 10 % of the milestones as invoices "
            "(100, 1,000, 10,000 documents); `pay` and `void` change one invoice but "
            "read, compute and rewrite the whole book."]
    docs = {c: res["cases"].get(c, {}).get(str(ISSUE_SIZE)) for c in DOC_CASES}
    if any(docs.values()):
        out += ["", f"## The 1,000 documents of `issue` ({ISSUE_SIZE:,}-milestone book)", "",
                "| how | time |", "|---|---|",
                f"| `milebill issue` (whole action: read, compute, 1,000 documents, write the book) | "
                f"{_cell(res['cases'].get('issue', {}).get(str(ISSUE_SIZE)))} |",
                f"| documents only, milebill's InvoiceTemplate | {_cell(docs['milebill_docs'])} |",
                f"| documents only, naive zip copy + str.replace | {_cell(docs['naive_docs'])} |",
                f"| documents only, docxtpl | {_cell(docs['docxtpl'])} |"]
    # (a worker's own ru_maxrss is not used: Linux keeps the high-water mark
    # across fork+exec, so it shows the runner's size, not the case's)
    out += ["", "## Memory", "",
            "| milestones | peak RSS of `milebill check` (fresh process, one run) |", "|---|---|"]
    for s, v in res.get("peak_rss_check", {}).items():
        out.append(f"| {int(s):,} | {v / 2**20:,.0f} MiB |")
    cli = res.get("cli")
    if cli:
        out += ["", "## CLI startup (wall time of a fresh process)", "", "| command | time |",
                "|---|---|",
                f"| `python -c pass` | {_cell(cli['python'])} |",
                f"| `python -c 'import milebill_xl.cli'` | {_cell(cli['import_cli'])} |",
                f"| `milebill --help` | {_cell(cli['help'])} |",
                f"| `milebill check` on the 1,000-milestone book | {_cell(cli['check_1k_cli'])} |",
                f"| (in-process `check.run`, same book) | "
                f"{_cell(res['cases'].get('check', {}).get('1000'))} |"]
    live = res.get("live") or {}
    if live.get("available"):
        small, big = live["sizes"]
        out += ["", "## Live Excel (LiveBook over tests/excel/fake_xlwings.py)", "",
                f"| action | Excel calls at {small} milestones | at {big:,} | time at {big:,} |",
                "|---|---|---|---|"]
        for name, v in live["actions"].items():
            a, b = v[str(small)], v[str(big)]
            fmt = lambda d: ", ".join(f"{k} {x}" for k, x in _calls(d).items() if x)  # noqa: E731
            out.append(f"| {name} | {fmt(a)} | {fmt(b)} | {_s(b['seconds'])} |")
    elif "live" in res:
        out += ["", "## Live Excel", "", "milebill_xl/excel/livebook.py or "
                "tests/excel/fake_xlwings.py is missing: not measured."]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeats", type=int, default=5, help="runs at 1k and 10k")
    ap.add_argument("--repeats-large", type=int, default=3, help="runs at 100k")
    ap.add_argument("--quick", action="store_true", help="1k and 10k, 3 runs")
    ap.add_argument("--skip", default="", help="comma-separated cases to leave out")
    ap.add_argument("--out", default=str(ROOT), help="folder for results.md/json")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite results.md from results.json")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.report_only:
        res = json.loads((out / "results.json").read_text())
    else:
        sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
        reps = 3 if args.quick else args.repeats
        res = run(sizes, reps, args.repeats_large, {s for s in args.skip.split(",") if s})
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(res, indent=1))
    (out / "results.md").write_text(markdown(res))
    print(markdown(res))
    return 0
