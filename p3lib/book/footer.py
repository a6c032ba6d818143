"""The line at the foot of every page: what made this book, so a reader can place its numbers.

A number in the book is only as good as the record of what produced it: the date of the
build, the commit of the code, the versions of the libraries that decide the numbers (those
the training run recorded, :func:`p3lib.store.environment.environment_versions`) and the machine.
:func:`footer_html` writes it from the run's training record and the build's own
environment; Jupyter Book puts it in every page's footer (``html.extra_footer``).
"""

from __future__ import annotations

import html
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from p3lib.store.atomic import read_json
from p3lib.store.run_layout import REPO_ROOT, RunLayout

# The libraries named in the footer, in this order, when the run recorded them.
KEY_PACKAGES = ("torch", "transformers", "sentence-transformers", "peft")


def commit(repo: Path = REPO_ROOT) -> str:
    """The short commit of ``repo``, with "+ local changes" when its tree differs from it.

    Example:
        >>> commit(Path("/"))  # not a repository
        'unknown commit'
    """
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" + local changes" if dirty else "")


def training_record(out_dir: str | Path) -> dict:
    """The run's first training record (full, else LoRA) as JSON, or ``{}`` without one."""
    for name in ("full_training", "lora_training"):
        path = RunLayout(out_dir).metric(name)
        if path.is_file():
            return read_json(path)
    return {}


def machine() -> str:
    """The build machine in a few words: OS, architecture, CPU cores.

    Example:
        >>> "core" in machine()
        True
    """
    cores = os.cpu_count() or 1
    return f"{platform.system()} {platform.machine()}, {cores} CPU core{'s' * (cores != 1)}"


def footer_html(out_dir: str | Path, built: datetime | None = None) -> str:
    """The footer's HTML: build date, commit, key package versions and the machine."""
    built = built or datetime.now(UTC)
    record = training_record(out_dir)
    versions = record.get("versions", {})
    packages = [f"Python {versions.get('python', platform.python_version())}"] + [
        f"{name} {versions[name]}" for name in KEY_PACKAGES if name in versions
    ]
    parts = [
        f"Built {built:%Y-%m-%d %H:%M} UTC by <code>p3 book</code>",
        commit(),
        ", ".join(packages),
        f"built on {machine()}",
    ]
    if record.get("device"):
        threads = record.get("threads") or 1
        parts.append(
            f"models trained on {record['device']}, {threads} thread{'s' * (threads != 1)}"
        )
    return '<p class="p3-provenance">' + "; ".join(map(_escape, parts)) + ".</p>"


def _escape(text: str) -> str:
    # Our own <code> tags stay; anything a version string could carry is escaped.
    return html.escape(text).replace("&lt;code&gt;", "<code>").replace("&lt;/code&gt;", "</code>")
