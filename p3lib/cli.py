"""The ``p3`` command: run the book, build it, check data, regenerate the default data.

p3 run   [--params params/full.yaml] [--train PATH] [--eval PATH] [--out DIR] [--force]
         [--strict] [--set NAME=VALUE ...]
p3 book  [--out DIR] [--html DIR]
p3 all   the two above, in one go (the README's main command)
p3 check [--strict] [--fix-prefixes FOLDER] PATH [PATH ...]
p3 generate [--folder DIR] [--seed N]
p3 results [--out DIR] [--readme README.md] [--check]
p3 score --model DIR "boy: ..." "girl: ..."   (or --pairs FILE.jsonl)
p3 notebook CHAPTER OUT.ipynb   (a chapter as .ipynb with typed parameters, for papermill)
p3 serve [--html DIR] [--port N]   (the built book on 127.0.0.1, for the "Try a pair" widget)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from p3lib.store.run_layout import DEFAULT_OUT, REPO_ROOT

DEFAULT_PARAMS = REPO_ROOT / "params" / "full.yaml"


def _path(value: str) -> str:
    """A path given on the command line: relative to where the user runs ``p3``.

    Made absolute without resolving links, so that ``<(cat f)`` (``/dev/fd/63``) keeps its
    name and is reported as the pipe it is.
    """
    return os.path.abspath(Path(value).expanduser())


def _port(value: str) -> int:
    """A TCP port, 0 to 65535 (0: a free one), refused by argparse otherwise."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535; 0 picks a free one)")
    return port


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", default=str(DEFAULT_PARAMS), help="parameters YAML file")
    parser.add_argument(
        "--train", type=_path, help="train pairs JSONL (default: data/raw/train.jsonl)"
    )
    parser.add_argument(
        "--eval", type=_path, help="eval pairs JSONL (default: data/raw/eval.jsonl)"
    )
    parser.add_argument(
        "--ood",
        type=_path,
        help="out-of-distribution pairs JSONL: the unseen-topic tier of chapters 02 and 05 and "
        "the appendix's OOD study (default: data/raw/ood.jsonl)",
    )
    parser.add_argument("--out", type=_path, help="output folder (default: outputs/)")
    parser.add_argument("--experiments", action="store_true", help="also run the appendix chapter")
    parser.add_argument("--force", action="store_true", help="execute every chapter again")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything, then list which chapters would run and why; run nothing",
    )
    parser.add_argument(
        "--strict", action="store_true", help="refuse train/eval overlap instead of warning"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one parameter (YAML value; a path is relative to the current folder), "
        "e.g. --set epochs=1",
    )


def _run(args: argparse.Namespace) -> str:
    """Check everything, then execute the chapters; return the output folder."""
    import yaml

    from p3lib.run.chapters import (
        APPENDIX,
        CHAPTERS,
        PATH_PARAMETERS_SUFFIX,
        ParameterError,
        complete_parameters,
        discover_chapters,
        resolve_parameters,
    )
    from p3lib.run.parameters import load_parameters_file
    from p3lib.run.preflight import preflight
    from p3lib.run.runner import run_book

    values = load_parameters_file(args.params)
    # Where each value came from, so that a message blames the right place.
    sources = dict.fromkeys(values, str(args.params))
    for item in args.set:
        name, separator, raw = item.partition("=")
        if not separator or not name.strip():
            raise ParameterError(f"--set {item}: expected NAME=VALUE")
        name = name.strip().upper()
        value = yaml.safe_load(raw)
        # One rule for every path typed on the command line: relative to the current folder.
        if name.endswith(PATH_PARAMETERS_SUFFIX) and isinstance(value, str):
            value = _path(value)
        values[name], sources[name] = value, f"--set {item}"
    for name, given, option in (
        ("TRAIN_PATH", args.train, "--train"),
        ("EVAL_PATH", args.eval, "--eval"),
        ("OOD_PATH", args.ood, "--ood"),
        ("OUT_DIR", args.out, "--out"),
    ):
        if given:
            values[name], sources[name] = given, f"{option} {given}"
    # A chapter's own OUT_DIR default is JupyterLab's scratch folder: a run names its folder.
    if "OUT_DIR" not in values:
        values["OUT_DIR"], sources["OUT_DIR"] = str(DEFAULT_OUT), "the default output folder"
    # The out-of-distribution split is the unseen-topic tier of the main chapters (02, 05)
    # and the appendix's OOD study; naming one does not by itself run the appendix.
    appendix = bool(args.experiments or values.pop("RUN_EXPERIMENTS", False))
    # A parameters file may set any chapter's parameter, the appendix's included, whether or
    # not this run executes the appendix.
    known = discover_chapters(CHAPTERS + APPENDIX)
    chapters = known if appendix else known[: len(CHAPTERS)]
    parameters = resolve_parameters(known, values, source=sources)
    parameters = complete_parameters(chapters, parameters)
    if getattr(args, "html", None):
        # Refused now, not after every chapter has run.
        from p3lib.book.build import check_html_folder

        check_html_folder(args.html, parameters["OUT_DIR"])
    for warning in preflight(parameters, sources, strict=args.strict, force=args.force):
        print(f"p3 {args.command}: warning: {warning}", file=sys.stderr)
    if args.dry_run:
        from p3lib.run.preflight import dry_run_plan

        for line in dry_run_plan(parameters, chapters, force=args.force):
            print(line)
        return ""
    report = run_book(parameters, chapters, force=args.force)
    print(
        f"{len(report.executed)} chapters executed, {len(report.skipped)} unchanged, "
        f"{report.seconds:.1f} s; results in {parameters['OUT_DIR']}"
    )
    return parameters["OUT_DIR"]


def _published(out: str | Path) -> Path:
    """``out`` if it holds one whole run that may be published; raise otherwise.

    Raises:
        RunRecordError: no run there, or chapters from different runs (see
            :func:`p3lib.run.run_record.require_one_run`).
    """
    from p3lib.run.run_record import RUN_RECORD, RunRecordError, require_one_run

    out = Path(out)
    if not (out / RUN_RECORD).is_file():
        raise RunRecordError(
            f"{out} is not the output folder of a p3 run (no {RUN_RECORD}); "
            f"run `p3 run --out {out}` first"
        )
    require_one_run(out)
    return out


def _book(out: str | Path | None, html: str | None) -> None:
    """Build the book from one whole run, holding the output folder while reading it."""
    from p3lib.book.build import DEFAULT_HTML, build_book, check_html_folder
    from p3lib.store.output_lock import output_lock
    from p3lib.store.run_layout import DEFAULT_OUT

    out = Path(out or DEFAULT_OUT)
    check_html_folder(html or DEFAULT_HTML, out)  # the one write that could destroy files
    _published(out)
    with output_lock(out):
        _published(out)  # again, now that no run can change it
        build_book(out, html or DEFAULT_HTML)


def _check(paths: list[str], strict: bool = False, fix_prefixes: str | None = None) -> int:
    """``p3 check``: validate and audit; 1 on a bad file (or, with ``strict``, an overlap).

    The first file is train; every later one (eval, OOD) must hold two pairs of each label,
    as ``p3 run`` requires. With ``fix_prefixes``, first write a copy of each file with the
    missing ``boy: ``/``girl: `` prefixes into that folder, then check the copies.
    """
    import numpy as np

    from p3lib.data.audit import audit, format_audit, overlap_warnings, record_lines
    from p3lib.data.schema import (
        DataError,
        field_notes,
        load_pairs,
        same_file,
        write_prefixed_copies,
    )

    if fix_prefixes:
        fixed = []
        for path, (copy, changed) in zip(
            paths, write_prefixed_copies(paths, fix_prefixes), strict=True
        ):
            print(f"{copy}: {changed} texts prefixed (a copy of {path})")
            fixed.append(str(copy))
        paths = fixed
    splits, failed, seen = {}, False, {}
    for number, path in enumerate(paths):
        identity = same_file(path)
        if identity is not None and identity in seen:
            print(
                f"{path}: the same file as {seen[identity]}: a file checked against itself "
                "overlaps completely; give each split once",
                file=sys.stderr,
            )
            failed = True
            continue
        seen.setdefault(identity, path)
        try:
            splits[path] = load_pairs(path)
        except DataError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        for note in field_notes(path):
            print(f"p3 check: note: {note}", file=sys.stderr)
        if number > 0:
            problem = _labels_problem(np.array([int(p.label) for p in splits[path]]), path)
            if problem:
                print(f"p3 check: error: {problem}", file=sys.stderr)
                failed = True
    if splits:
        lines = {path: record_lines(path) for path in splits}
        report = audit(splits, lines=lines, sources={p: p for p in splits})
        print(format_audit(report))
        for warning in overlap_warnings(report):
            label = "error" if strict else "warning"
            print(f"p3 check: {label}: {warning}", file=sys.stderr)
            failed = failed or strict
    return 1 if failed else 0


def _labels_problem(labels, path: str) -> str | None:
    """Why an eval or OOD file cannot be measured (one label only), as ``p3 run`` says it."""
    from p3lib.evaluation.metrics import require_both_labels

    try:
        require_both_labels(labels, what=str(path))
    except ValueError as exc:
        return str(exc)
    return None


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
    check.add_argument(
        "--strict", action="store_true", help="exit 1 when two files share a pair (overlap)"
    )
    check.add_argument(
        "--fix-prefixes",
        type=_path,
        metavar="FOLDER",
        help="write each file into FOLDER with missing 'boy: '/'girl: ' prefixes added, "
        "then check the copies",
    )

    generate = commands.add_parser("generate", help="rewrite the default data in data/raw/")
    generate.add_argument("--folder", type=_path, help="where to write (default: data/raw/)")
    generate.add_argument("--seed", type=int, default=42)

    results = commands.add_parser(
        "results", help="print (or write into the README) the results table"
    )
    results.add_argument("--out", type=_path, help="the run's output folder (default: outputs/)")
    results.add_argument("--readme", type=_path, help="rewrite the results table in this README")
    results.add_argument(
        "--check",
        action="store_true",
        help="compare the README's results block (default README.md) with the run; exit 1 on "
        "any difference beyond the printed digits",
    )

    notebook = commands.add_parser(
        "notebook", help="write a chapter as .ipynb with typed parameters, for papermill"
    )
    notebook.add_argument("chapter", help="chapter name, e.g. 02_baseline")
    notebook.add_argument("destination", type=_path, help="the .ipynb to write")
    notebook.add_argument("--force", action="store_true", help="replace an existing file")

    score = commands.add_parser("score", help="score pairs with a fine-tuned model")
    score.add_argument("--model", required=True, help="model folder (e.g. outputs/models/full)")
    score.add_argument("--pairs", type=_path, help="JSONL of pairs to score")
    score.add_argument("texts", nargs="*", help='"boy: ..." "girl: ..."')

    serve = commands.add_parser("serve", help="serve the built book on 127.0.0.1")
    serve.add_argument("--html", type=_path, help="the built book (default: _build/html)")
    serve.add_argument("--port", type=_port, default=8000, help="port (0 picks a free one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``p3`` command; returns the exit status."""
    from p3lib.book.build import BookError
    from p3lib.data.schema import DataError
    from p3lib.run.chapters import ParameterError
    from p3lib.run.runner import ChapterFailed
    from p3lib.store.output_lock import OutputBusy

    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command == "run":
            _run(args)
        elif args.command == "all":
            out = _run(args)
            if out:  # not a dry run
                _book(out, args.html)
                print(f"all done in {time.perf_counter() - started:.1f} s")
        elif args.command == "book":
            _book(args.out, args.html)
        elif args.command == "check":
            return _check(args.paths, strict=args.strict, fix_prefixes=args.fix_prefixes)
        elif args.command == "generate":
            from p3lib.data.generate import write_default_data
            from p3lib.store.run_layout import DEFAULT_DATA

            folder = Path(args.folder or DEFAULT_DATA)
            if folder.exists() and not folder.is_dir():
                raise ValueError(f"--folder {folder}: is a file, not a folder")
            # The default data's report lives in data/evaluation/ (the README says so); any
            # other folder gets its report inside it, never beside it.
            default = folder.absolute() == DEFAULT_DATA.absolute()
            report = DEFAULT_DATA.parent / "evaluation" if default else folder / "evaluation"
            for name, path in write_default_data(folder, args.seed, report).items():
                label = "quality report" if name.startswith("data_quality") else name
                print(f"{label}: {path}")
        elif args.command == "results":
            from p3lib.book.adr import results_command
            from p3lib.store.output_lock import output_lock
            from p3lib.store.run_layout import DEFAULT_OUT

            out = _published(args.out or DEFAULT_OUT)
            if args.check:
                from p3lib.book.results_check import check_command

                return check_command(out, args.readme or REPO_ROOT / "README.md")
            with output_lock(out):
                results_command(_published(out), args.readme)
        elif args.command == "notebook":
            from p3lib.run.notebook_export import write_papermill_notebook

            print(write_papermill_notebook(args.chapter, args.destination, force=args.force))
        elif args.command == "score":
            from p3lib.training.score import score_command

            return score_command(args.model, args.texts, args.pairs)
        elif args.command == "serve":
            from p3lib.book.build import DEFAULT_HTML
            from p3lib.book.serve import serve_command

            return serve_command(args.html or DEFAULT_HTML, args.port)
    except (
        DataError,
        ParameterError,
        ChapterFailed,
        BookError,
        OutputBusy,
        FileNotFoundError,
        ValueError,
    ) as exc:
        print(f"p3 {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A folder p3 cannot write, a file where a folder should be, a full disk: the
        # operating system's reason and the path, without the traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"p3 {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"p3 {args.command}: interrupted; finished outputs are kept", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
