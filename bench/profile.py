"""Profile one case: ``python -m bench.profile CASE SIZE`` writes
``bench/profile-CASE-SIZE.txt`` (cProfile, top functions by cumulative
and by own time) for one timed run after the untimed setup."""
from __future__ import annotations

import cProfile
import io
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

from .cases import CASES

ROOT = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    name, size = argv[0], int(argv[1])
    scratch = Path(tempfile.mkdtemp(prefix="milebill-profile-"))
    try:
        case = CASES[name](size, scratch)
        arg = case.setup()
        prof = cProfile.Profile()
        prof.enable()
        case.timed(arg)
        prof.disable()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    out = ROOT / f"profile-{name}-{size}.txt"
    out.write_text(buf.getvalue())
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
