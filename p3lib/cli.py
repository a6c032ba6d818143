"""The ``p3`` command: run the book, build it, check data, regenerate the default data.

p3 run   [--params params/full.yaml] [--train PATH] [--eval PATH] [--out DIR] [--force]
p3 book  [--out DIR] [--html DIR]
p3 all   the two above, in one go (the README's main command)
p3 check PATH [PATH ...]
p3 generate [--folder DIR] [--seed N]
p3 results [--out DIR] [--readme README.md]
p3 score --model DIR "boy: ..." "girl: ..."   (or --pairs FILE.jsonl)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from p3lib.layout import REPO_ROOT

DEFAULT_PARAMS = REPO_ROOT / "params" / "full.yaml"


def _path(value: str) -> str:
    """A path given on the command line: relative to where the user runs ``p3``."""
    return str(Path(value).expanduser().resolve())


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", default=str(DEFAULT_PARAMS), help="parameters YAML file")
    parser.add_argument(
        "--train", type=_path, help="train pairs JSONL (default: data/raw/train.jsonl)"
    )
    parser.add_argument(
        "--eval", type=_path, help="eval pairs JSONL (default: data/raw/eval.jsonl)"
    )
    parser.add_argument(
        "--ood", type=_path, help="out-of-distribution pairs JSONL (runs the appendix)"
    )
    parser.add_argument("--out", type=_path, help="output folder (default: outputs/)")
    parser.add_argument("--experiments", action="store_true", help="also run the appendix chapter")
    parser.add_argument("--force", action="store_true", help="execute every chapter again")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one parameter (YAML value), e.g. --set epochs=1",
    )


def _run(args: argparse.Namespace) -> str:
    """Execute the chapters; return the output folder."""
    import yaml

    from p3lib.runner import (
        APPENDIX,
        CHAPTERS,
        ParameterError,
        complete_parameters,
        discover_chapters,
        load_parameters_file,
        resolve_parameters,
        run_book,
    )

    values = load_parameters_file(args.params)
    for item in args.set:
        name, separator, raw = item.partition("=")
        if not separator:
            raise ParameterError(f"--set {item}: expected NAME=VALUE")
        values[name.strip().upper()] = yaml.safe_load(raw)
    for name, given in (
        ("TRAIN_PATH", args.train),
        ("EVAL_PATH", args.eval),
        ("OOD_PATH", args.ood),
        ("OUT_DIR", args.out),
    ):
        if given:
            values[name] = given
    # The out-of-distribution split is only used by the appendix, so naming one runs it.
    appendix = bool(args.experiments or args.ood or values.pop("RUN_EXPERIMENTS", False))
    # A parameters file may set any chapter's parameter, the appendix's included, whether or
    # not this run executes the appendix.
    known = discover_chapters(CHAPTERS + APPENDIX)
    chapters = known if appendix else known[: len(CHAPTERS)]
    parameters = resolve_parameters(known, values, source=args.params)
    if not appendix:
        parameters.pop("OOD_PATH", None)
    parameters = complete_parameters(chapters, parameters)
    _check_inputs(parameters)
    report = run_book(parameters, chapters, force=args.force)
    print(
        f"{len(report.executed)} chapters executed, {len(report.skipped)} unchanged, "
        f"{report.seconds:.1f} s; results in {parameters['OUT_DIR']}"
    )
    return parameters["OUT_DIR"]


def _check_inputs(parameters: dict) -> None:
    """Fail in a second, before any chapter runs or any output changes, on unusable data.

    Every data file must load (a bad record names ``file:line: field``); eval needs both
    labels (AUC and the margin are undefined otherwise); train must be large enough for the
    validation split that picks thresholds and checkpoints.
    """
    import numpy as np

    from p3lib.layout import resolve_path
    from p3lib.metrics import require_both_labels
    from p3lib.schema import load_pairs
    from p3lib.splits import make_validation_split

    loaded = {}
    for name in ("TRAIN_PATH", "EVAL_PATH", "OOD_PATH"):
        value = parameters.get(name)
        if value:
            loaded[name] = load_pairs(resolve_path(value))
    for name in ("EVAL_PATH", "OOD_PATH"):
        if name in loaded:
            labels = np.array([int(pair.label) for pair in loaded[name]])
            require_both_labels(labels, what=str(resolve_path(parameters[name])))
    if "TRAIN_PATH" in loaded:
        try:
            make_validation_split(
                loaded["TRAIN_PATH"],
                parameters.get("VALIDATION_FRACTION", 0.1),
                parameters.get("SEED", 42),
            )
        except ValueError as exc:
            raise ValueError(f"{resolve_path(parameters['TRAIN_PATH'])}: {exc}") from None


def _book(out: str | None, html: str | None) -> None:
    from p3lib.book import DEFAULT_HTML, build_book
    from p3lib.layout import DEFAULT_OUT

    build_book(out or DEFAULT_OUT, html or DEFAULT_HTML)


def _check(paths: list[str]) -> int:
    from p3lib.audit import audit, format_audit, record_lines
    from p3lib.schema import DataError, load_pairs

    splits, failed = {}, False
    for path in paths:
        try:
            splits[path] = load_pairs(path)
        except DataError as exc:
            print(exc, file=sys.stderr)
            failed = True
    if splits:
        lines = {path: record_lines(path) for path in splits}
        print(format_audit(audit(splits, lines=lines, sources={p: p for p in splits})))
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="p3", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute the chapters with papermill")
    _add_run_arguments(run)
    everything = commands.add_parser("all", help="run the chapters, then build the book")
    _add_run_arguments(everything)
    everything.add_argument(
        "--html", type=_path, help="where to write the HTML (default: _build/html)"
    )

    book = commands.add_parser("book", help="build the Jupyter Book from executed chapters")
    book.add_argument("--out", type=_path, help="the run's output folder (default: outputs/)")
    book.add_argument("--html", type=_path, help="where to write the HTML (default: _build/html)")

    check = commands.add_parser("check", help="validate and audit JSONL pair files")
    check.add_argument("paths", nargs="+", help="JSONL files, e.g. train then eval")

    generate = commands.add_parser("generate", help="rewrite the default data in data/raw/")
    generate.add_argument("--folder", type=_path, help="where to write (default: data/raw/)")
    generate.add_argument("--seed", type=int, default=42)

    results = commands.add_parser(
        "results", help="print (or write into the README) the results table"
    )
    results.add_argument("--out", type=_path, help="the run's output folder (default: outputs/)")
    results.add_argument("--readme", type=_path, help="rewrite the results table in this README")

    score = commands.add_parser("score", help="score pairs with a fine-tuned model")
    score.add_argument("--model", required=True, help="model folder (e.g. outputs/models/full)")
    score.add_argument("--pairs", type=_path, help="JSONL of pairs to score")
    score.add_argument("texts", nargs="*", help='"boy: ..." "girl: ..."')
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``p3`` command; returns the exit status."""
    from p3lib.book import BookError
    from p3lib.runner import ChapterFailed, ParameterError
    from p3lib.schema import DataError

    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command == "run":
            _run(args)
        elif args.command == "all":
            out = _run(args)
            from p3lib.book import DEFAULT_HTML, build_book

            build_book(out, args.html or DEFAULT_HTML)
            print(f"all done in {time.perf_counter() - started:.1f} s")
        elif args.command == "book":
            _book(args.out, args.html)
        elif args.command == "check":
            return _check(args.paths)
        elif args.command == "generate":
            from p3lib.generate import write_default_data
            from p3lib.layout import DEFAULT_DATA
            from p3lib.quality import write_default_quality_report

            folder = Path(args.folder or DEFAULT_DATA)
            for name, path in write_default_data(folder, seed=args.seed).items():
                print(f"{name}: {path}")
            for path in write_default_quality_report(folder):
                print(f"quality report: {path}")
        elif args.command == "results":
            from p3lib.report import results_command

            results_command(args.out, args.readme)
        elif args.command == "score":
            from p3lib.score import score_command

            return score_command(args.model, args.texts, args.pairs)
    except (
        DataError,
        ParameterError,
        ChapterFailed,
        BookError,
        FileNotFoundError,
        ValueError,
    ) as exc:
        print(f"p3 {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"p3 {args.command}: interrupted; finished outputs are kept", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
