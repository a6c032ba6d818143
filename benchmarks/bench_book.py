"""Time the README's main command cold (fresh output folder) and warm (nothing changed).

    .venv/bin/python benchmarks/bench_book.py [--params params/full.yaml] [--keep DIR]

Prints both wall times, their ratio, and each chapter's time; targets on the 2-core CPU
machine: cold under 6 minutes, warm under 30 seconds. The run writes to a temporary folder,
never to ``outputs/`` or ``_build/``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
P3 = str(Path(sys.executable).parent / "p3")
TARGETS = {"cold": 360.0, "warm": 30.0}


def timed_run(params: str, out: Path, html: Path) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [P3, "all", "--params", params, "--out", str(out), "--html", str(html)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"p3 all failed:\n{completed.stdout}\n{completed.stderr}")
    return seconds, completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params/full.yaml")
    parser.add_argument("--keep", help="output folder to use (and keep) instead of a temporary one")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="p3-bench-"))
    out, html = folder / "out", folder / "html"
    cold, cold_log = timed_run(args.params, out, html)
    warm, warm_log = timed_run(args.params, out, html)
    print("chapter times (cold run):")
    for line in cold_log.splitlines():
        if "done in" in line:
            print("  " + line)
    print(f"cold: {cold:7.1f} s   (target < {TARGETS['cold']:.0f} s)")
    print(f"warm: {warm:7.1f} s   (target < {TARGETS['warm']:.0f} s)")
    print(f"warm / cold: {warm / cold:.3f}")
    skipped = sum("unchanged, skipped" in line for line in warm_log.splitlines())
    print(f"warm run skipped {skipped} chapters")


if __name__ == "__main__":
    main()
