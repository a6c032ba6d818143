"""Which versions of Python and of the numeric libraries produced a run's numbers.

A result file or training record that names these can be traced to the locked set
(``constraints.txt``) it came from, or shown to come from another: a trained model's scores
move with torch's kernels and transformers' tokenizer, UMAP's layouts with umap-learn and
numba, the intervals with scipy. It lives here, at the bottom of p3lib, so that training
records, result files and the book's footer all read the one list.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

# The libraries whose versions change the numbers p3 reports (training, embedding,
# statistics, layouts and clusters), in the order a reader looks for them.
NUMERIC_PACKAGES = (
    "torch",
    "transformers",
    "sentence-transformers",
    "tokenizers",
    "peft",
    "accelerate",
    "numpy",
    "scipy",
    "scikit-learn",
    "umap-learn",
    "numba",
    "hdbscan",
    "pandas",
)


def environment_versions() -> dict[str, str]:
    """Python's version and each of :data:`NUMERIC_PACKAGES`' installed versions.

    A package that is not installed is reported as ``"not installed"`` rather than left out,
    so two records always list the same keys.

        >>> versions = environment_versions()
        >>> list(versions)[:3]
        ['python', 'torch', 'transformers']
        >>> versions["python"] == platform.python_version()
        True
    """
    versions = {"python": platform.python_version()}
    for package in NUMERIC_PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions
