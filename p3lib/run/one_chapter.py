"""One chapter run alone with papermill into a folder, in a child process: for measuring it.

The scale test (``tests/test_scale.py``) and benchmark (``benchmarks/bench_scale.py``) run
chapters 02 and 05 on ever larger eval sets and measure what each one costs: its time, its
peak memory, the size of what it writes. They need one chapter executed on its own, without
the runner's cache, record or lock, each in a fresh process so that the peak resident memory
of the processes it waited for (its kernel) is that chapter's alone. ``python -m
p3lib.run.one_chapter NAME OUT PARAMETERS_JSON`` does that and prints the measurement as JSON;
:func:`run_in_child` starts it.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from p3lib.run.chapters import KERNEL_NAME, discover_chapters, to_notebook
from p3lib.store.run_layout import REPO_ROOT


def run_chapter(name: str, out: Path, parameters: dict[str, Any]) -> dict[str, float]:
    """Execute chapter ``name`` into ``out/notebooks/<name>.ipynb`` with the parameters it
    declares (the others in ``parameters`` are left out); its seconds, and the peak resident
    memory, in MiB, and CPU seconds of the processes this one waited for (the kernel)."""
    import papermill

    (chapter,) = discover_chapters((name,))
    given = {k: v for k, v in parameters.items() if k in chapter.parameters}
    source = to_notebook(chapter.source, out / "staging" / f"{name}.source.ipynb")
    executed = out / "notebooks" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    papermill.execute_notebook(
        str(source),
        str(executed),
        parameters=given,
        kernel_name=KERNEL_NAME,
        cwd=str(REPO_ROOT),
        progress_bar=False,
        log_output=False,
    )
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds beside the wall time: on a machine shared with other work the wall time
    # stretches with the load, the CPU time much less, so two runs under different loads
    # can still be compared.
    return {
        "seconds": seconds,
        "peak_rss_mib": children.ru_maxrss / 1024,
        "cpu_seconds": children.ru_utime + children.ru_stime,
    }


def run_in_child(name: str, out: Path, parameters: dict[str, Any]) -> subprocess.CompletedProcess:
    """:func:`run_chapter` in a fresh Python process; its last line of stdout is the JSON."""
    return subprocess.run(
        [sys.executable, "-m", "p3lib.run.one_chapter", name, str(out), json.dumps(parameters)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m p3lib.run.one_chapter NAME OUT PARAMETERS_JSON``."""
    name, out, parameters = argv if argv is not None else sys.argv[1:]
    print(json.dumps(run_chapter(name, Path(out), json.loads(parameters))))


if __name__ == "__main__":
    main()
