"""Time chapters 02 and 05 on bigger eval sets: 300, 3,000 and 30,000 generated pairs.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 300 3000 30000] [--models DIR]
        [--params params/full.yaml] [--chapters 02_baseline] [--keep DIR] [--json FILE]

Each eval set is made by the generator (:mod:`p3lib.data.generate`) with other seeds than the
default data's (1000, 1001, ...): every split of each seed, without pairs of the default
train split or repeats, the first N in order. Chapter 02 then 05 run with papermill on the
book's own code path (the chapters and parameters ``p3 run`` uses; default train data, so the
validation split is the default one) in a fresh output folder per size, which gets a copy of
the fine-tuned models of ``--models`` (default ``outputs/models``, from ``make book``):
chapter 05 evaluates the models, it does not train them. Printed per size and chapter: wall
time, the peak RSS of the chapter's kernel, the executed notebook's size (the page carries
the same outputs) and the size of every file under ``metrics/``. Nothing is written to
``outputs/``. The kernel's CPU seconds are printed beside its wall time: on a machine shared
with other work, compare runs measured under the same load (the CPU time stretches less).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from p3lib.data.generate import held_out_pairs  # noqa: E402
from p3lib.data.schema import dump_pairs, load_pairs  # noqa: E402
from p3lib.run.one_chapter import run_in_child  # noqa: E402
from p3lib.store.run_layout import DEFAULT_TRAIN, RunLayout  # noqa: E402

CHAPTERS = ("02_baseline", "05_post_training_eval")
FIRST_SEED = 1000


def eval_set(n: int, exclude: set[tuple[str, str]]) -> list:
    """``n`` generated pairs from seeds ``FIRST_SEED``, ``FIRST_SEED + 1``, ... (see above)."""
    return held_out_pairs(n, exclude, first_seed=FIRST_SEED)


def chapter_parameters(params: Path, eval_path: Path, out: Path) -> dict:
    from p3lib.run.parameters import load_parameters_file

    values = load_parameters_file(params)
    values.update(EVAL_PATH=str(eval_path), TRAIN_PATH=str(DEFAULT_TRAIN), OUT_DIR=str(out))
    for name, value in values.items():
        if name.endswith("_PATH") and isinstance(value, str):
            path = Path(value)
            values[name] = str(path if path.is_absolute() else REPO_ROOT / path)
    return values


def human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return str(size)


def run_size(
    n: int, folder: Path, models: Path, params: Path, chapters: tuple[str, ...] = CHAPTERS
) -> dict:
    default_train = {pair.key for pair in load_pairs(DEFAULT_TRAIN)}
    pairs = eval_set(n, default_train)
    folder.mkdir(parents=True, exist_ok=True)
    eval_path = folder / "eval.jsonl"
    eval_path.write_text(dump_pairs(pairs), encoding="utf-8")
    layout = RunLayout(folder / "out")
    layout.models.mkdir(parents=True, exist_ok=True)
    for name in ("full", "lora"):
        shutil.copytree(models / name, layout.model(name), dirs_exist_ok=True)
    parameters = chapter_parameters(params, eval_path, layout.root)
    result = {"pairs": len(pairs), "chapters": {}}
    for chapter in chapters:
        # A child process per chapter, so that its peak RSS (its kernel's) is its own.
        completed = run_in_child(chapter, layout.root, parameters)
        if completed.returncode != 0:
            sys.exit(f"{chapter} failed at {n} pairs:\n{completed.stderr[-4000:]}")
        measured = json.loads(completed.stdout.strip().splitlines()[-1])
        measured["notebook_bytes"] = (layout.notebooks / f"{chapter}.ipynb").stat().st_size
        result["chapters"][chapter] = measured
        print(
            f"{n:>7,} pairs  {chapter:<22} {measured['seconds']:7.1f} s  "
            f"(CPU {measured.get('cpu_seconds', float('nan')):7.1f} s)  "
            f"peak RSS {measured['peak_rss_mib']:6.0f} MiB  "
            f"notebook {human(measured['notebook_bytes'])}",
            flush=True,
        )
    result["metrics"] = {
        path.relative_to(layout.metrics).as_posix(): path.stat().st_size
        for path in sorted(layout.metrics.rglob("*"))
        if path.is_file()
    }
    for name, size in result["metrics"].items():
        print(f"{n:>7,} pairs  metrics/{name:<30} {human(size)}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000, 30000])
    parser.add_argument("--models", default=str(REPO_ROOT / "outputs" / "models"))
    parser.add_argument("--params", default=str(REPO_ROOT / "params" / "full.yaml"))
    parser.add_argument("--keep", help="folder to use (and keep) instead of a temporary one")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    parser.add_argument(
        "--chapters", nargs="+", choices=CHAPTERS, default=list(CHAPTERS), help="02 alone: faster"
    )
    args = parser.parse_args()
    models = Path(args.models)
    if not all((models / name).is_dir() for name in ("full", "lora")):
        sys.exit(f"{models} lacks full/ and lora/: run `make book` first, or pass --models")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="p3-bench-scale-"))
    results = {}
    try:
        for n in args.sizes:
            results[n] = run_size(n, root / str(n), models, Path(args.params), tuple(args.chapters))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
