"""``p3 results --check``: does a README's results block match what a run measured?

A reader who builds the book on their own machine regenerates the block from their run
(:func:`p3lib.book.results_block.results_block`) and compares it with the README's, cell by cell:

* exact figures (every row but the ones below) must print the same digits;
* the clustering rows (:data:`p3lib.book.results_block.SEED_ROWS`) are medians over UMAP seeds,
  and UMAP's layout is not bit-stable across machines: each bracketed range must overlap the
  other build's (for one range, two builds whose five seeds draw from the same spread miss
  that once in 126 times: 2 of the 252 ways to interleave two sets of five);
* seconds per epoch and peak memory (:data:`p3lib.book.results_block.MACHINE_ROWS`) are measured
  on the build machine and are not compared.

Lines outside the tables (the headline sentence, the paired findings, the appendix) must be
the same text. Each difference names its table, row and column, or its line.

Example:
    >>> differences("| M | A |\\n|---|---:|\\n| AUC-ROC | 0.880 |",
    ...             "| M | A |\\n|---|---:|\\n| AUC-ROC | 0.881 |")
    ['M table, row AUC-ROC, column A: README 0.880, this run 0.881']
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from p3lib.book.results_block import MACHINE_ROWS, RESULTS_END, RESULTS_START, SEED_ROWS

_RANGE = re.compile(r"\[([^\[\],]+),\s*([^\[\],]+)\]")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_block(block: str) -> tuple[dict[tuple[str, str, str], str], list[str]]:
    """``({(table, row, column): cell}, other lines)`` of a Markdown results block.

    A table is named by its header's first cell; rows by their first cell. Blank lines and
    the markers are left out of the other lines.
    """
    cells: dict[tuple[str, str, str], str] = {}
    lines: list[str] = []
    header: list[str] | None = None
    for line in block.splitlines():
        text = line.strip()
        if not text.startswith("|"):
            header = None
            if text and text not in (RESULTS_START, RESULTS_END):
                lines.append(text)
            continue
        row = _cells(text)
        if header is None:
            header = row
        elif set("".join(row)) <= set("-: "):
            continue  # the alignment row
        else:
            for column, cell in zip(header[1:], row[1:], strict=False):
                cells[(header[0], row[0], column)] = cell
    return cells, lines


def _number(text: str) -> float:
    return float(text.strip().rstrip("%").replace(",", "").lstrip("+"))


def ranges_overlap(a: str, b: str) -> bool:
    """Whether every bracketed range of cell ``a`` overlaps the same-placed one of ``b``.

    Cells without brackets, or with different numbers of them, must be the same text.

    Example:
        >>> ranges_overlap("0.70 [0.59, 0.77], noise 23% [6%, 54%]",
        ...                "0.62 [0.55, 0.60], noise 20% [10%, 30%]")
        True
        >>> ranges_overlap("0.70 [0.65, 0.77]", "0.55 [0.50, 0.60]")
        False
    """
    found_a, found_b = _RANGE.findall(a), _RANGE.findall(b)
    if not found_a or len(found_a) != len(found_b):
        return a == b
    try:
        for (low_a, high_a), (low_b, high_b) in zip(found_a, found_b, strict=True):
            if _number(low_a) > _number(high_b) or _number(low_b) > _number(high_a):
                return False
    except ValueError:
        return a == b
    return True


def differences(readme_block: str, run_block: str) -> list[str]:
    """Every difference between a README's results block and a run's, beyond printed digits."""
    readme_cells, readme_lines = parse_block(readme_block)
    run_cells, run_lines = parse_block(run_block)
    found = []
    for key in list(readme_cells) + [k for k in run_cells if k not in readme_cells]:
        table, row, column = key
        where = f"{table} table, row {row}, column {column}"
        if row in MACHINE_ROWS:
            continue
        if key not in run_cells or key not in readme_cells:
            side = "this run" if key not in run_cells else "the README"
            found.append(f"{where}: missing from {side}")
            continue
        mine, theirs = readme_cells[key], run_cells[key]
        same = ranges_overlap(mine, theirs) if row in SEED_ROWS else mine == theirs
        if not same:
            found.append(f"{where}: README {mine}, this run {theirs}")
    for number, (mine, theirs) in enumerate(zip(readme_lines, run_lines, strict=False), 1):
        if mine != theirs:
            found.append(f"text line {number}: README {mine!r}, this run {theirs!r}")
    if len(readme_lines) != len(run_lines):
        found.append(
            f"text: the README has {len(readme_lines)} lines outside the tables, this run "
            f"{len(run_lines)}"
        )
    return found


def readme_block(text: str) -> str:
    """The text between the results markers of a README."""
    start, end = text.find(RESULTS_START), text.find(RESULTS_END)
    if start < 0 or end < start:
        raise ValueError(f"expected {RESULTS_START} followed by {RESULTS_END}")
    return text[start + len(RESULTS_START) : end]


def check_command(out_dir: str | Path, readme: str | Path) -> int:
    """``p3 results --check``: print each difference; 0 when there is none, else 1."""
    from p3lib.book.results_block import block_from_run

    found = differences(
        readme_block(Path(readme).read_text(encoding="utf-8")), block_from_run(out_dir)
    )
    if not found:
        print(f"{readme}: the results block matches the run in {out_dir}")
        return 0
    print(f"{readme}: {len(found)} differences from the run in {out_dir}:", file=sys.stderr)
    for line in found:
        print(f"  {line}", file=sys.stderr)
    return 1
