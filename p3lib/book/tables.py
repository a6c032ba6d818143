"""Tables as a reader sees them: counts as integers, scores to 3 decimals, missing as a dash,
metrics by their names.

pandas shows a column of counts that holds one missing value as ``1195.000000`` and the
missing value as ``NaN``, and a table of results keyed by the code's names shows
``baseline_n_false_positives``. :func:`reader_table` formats a ``DataFrame`` for the book
instead: a count is an integer whether its column or its row holds counts, and a row or
column named by a metric key gets the metric's name (:func:`reader_name`);
:func:`use_reader_tables` makes every ``DataFrame`` a chapter displays go through it.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"pairs": [1195.0, None], "auc": [0.81234, 0.5]}, index=["a", "b"])
    >>> formatted_cells(frame)
    {'pairs': ['1,195', '–'], 'auc': ['0.812', '0.500']}
"""

from __future__ import annotations

import math
import numbers

DASH = "–"
DEFAULT_REASON = "not defined for this row (see the text above the table)"
# The names a reader meets for the metric keys of p3lib.evaluation (headline metrics and the
# flat summary of BaselineMetrics).
READER_NAMES = {
    "margin": "compatibility margin",
    "compatibility_margin": "compatibility margin",
    "cohens_d": "Cohen's d",
    "auc_roc": "AUC-ROC",
    "spearman": "Spearman's rho",
    "spearman_correlation": "Spearman's rho",
    "spearman_ratio": "rho / ceiling",
    "purity": "cluster purity",
    "cluster_purity": "cluster purity",
    "f1": "F1",
    "best_f1": "F1",
    "accuracy": "accuracy",
    "accuracy_at_best_threshold": "accuracy",
    "precision_at_best_threshold": "precision",
    "recall_at_best_threshold": "recall",
    "n_false_positives": "false positives",
    "threshold": "threshold",
    "best_threshold": "threshold",
    "compatible_mean_cosine": "mean cosine, compatible pairs",
    "incompatible_mean_cosine": "mean cosine, incompatible pairs",
    "t_statistic": "Welch's t",
    "p_value": "p-value",
    "n_clusters": "clusters",
    "noise_ratio": "noise share",
    "n_pairs": "pairs",
}
MODEL_PREFIXES = ("baseline_", "full_", "lora_")
COUNT_KEYS = ("n_false_positives", "n_pairs", "n_clusters", "n_compatible", "n_incompatible")


def reader_name(label):
    """A metric key as a reader reads it; any other label unchanged.

    Example:
        >>> reader_name("baseline_n_false_positives"), reader_name("cohens_d"), reader_name(3)
        ('false positives', "Cohen's d", 3)
    """
    if not isinstance(label, str):
        return label
    for prefix in ("", *MODEL_PREFIXES):
        if label.startswith(prefix) and label[len(prefix) :] in READER_NAMES:
            return READER_NAMES[label[len(prefix) :]]
    return label


def _missing(value) -> bool:
    return value is None or (isinstance(value, float | numbers.Real) and math.isnan(value))


def _integral_column(values) -> bool:
    present = [v for v in values if not _missing(v)]
    return bool(present) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and float(v).is_integer()
        for v in present
    )


def _count_row(values) -> bool:
    # A row of whole numbers, one of them at least 2, holds counts: a score that is a whole
    # number is 0 or 1 (a ratio at its bound) or, in practice, never.
    present = [v for v in values if not _missing(v)]
    return _integral_column(values) and any(abs(float(v)) >= 2 for v in present)


def format_value(value, *, integral: bool = False) -> str:
    """One cell: a dash if missing, ``1,195`` for counts, 3 decimals for other numbers.

    Example:
        >>> format_value(135.0, integral=True), format_value(0.123456), format_value(None)
        ('135', '0.123', '–')
    """
    if _missing(value):
        return DASH
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if integral or isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    return f"{float(value):.3f}"


def formatted_cells(frame) -> dict[str, list[str]]:
    """``{column: [cell text, ...]}``: each column's cells as :func:`reader_table` shows them.

    Example (a row of counts in columns of scores):
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"baseline": [41.0, 0.681], "full": [39.0, 0.947]})
        >>> formatted_cells(frame)
        {'baseline': ['41', '0.681'], 'full': ['39', '0.947']}

    A count with its bootstrap interval (a row named by a count key):
        >>> frame = pd.DataFrame({"estimate": [41.0], "low": [27.797]}, index=["n_false_positives"])
        >>> formatted_cells(frame)
        {'estimate': ['41'], 'low': ['27.797']}
    """
    count_rows = [_count_row(list(row)) for _, row in frame.iterrows()]
    # A row named by a count (false positives, with its bootstrap bounds beside it): its whole
    # numbers are counts, its fractions (the bounds) stay scores.
    count_labels = [_count_label(label) for label in frame.index]
    cells = {}
    for column in frame.columns:
        values = list(frame[column])
        integral = _integral_column(values)
        cells[str(column)] = [
            format_value(
                v,
                integral=integral
                or count_row
                or (count_label and _integral_column([v]) and not _missing(v)),
            )
            for v, count_row, count_label in zip(values, count_rows, count_labels, strict=True)
        ]
    return cells


def _count_label(label) -> bool:
    if not isinstance(label, str):
        return False
    for prefix in ("", *MODEL_PREFIXES):
        if label.startswith(prefix) and label[len(prefix) :] in COUNT_KEYS:
            return True
    return False


def reader_table(frame, missing_reason: str = DEFAULT_REASON):
    """``frame`` as a pandas ``Styler`` with reader formatting (see the module doc).

    When a cell is missing, the table's caption says what the dash means.
    """
    import pandas as pd

    shown = pd.DataFrame(formatted_cells(frame), index=frame.index.map(reader_name))
    shown.columns = frame.columns.map(reader_name)
    # Cells hold dataset text (statements with HTML in them): escaped, never markup.
    styler = (
        shown.style.format(escape="html")
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
    )
    if any(_missing(v) for column in frame.columns for v in frame[column]):
        styler = styler.set_caption(f"{DASH}: {missing_reason}")
    # "dataframe": the book theme's styling for pandas tables
    return styler.set_table_attributes('class="dataframe p3-table"')


def use_reader_tables() -> None:
    """Show every ``DataFrame`` of this IPython session as :func:`reader_table` does."""
    import pandas as pd
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, lambda frame: reader_table(frame).to_html())
