"""Tables as a reader sees them: counts as integers, scores to 3 decimals, missing as a dash.

pandas shows a column of counts that holds one missing value as ``1195.000000`` and the
missing value as ``NaN``. :func:`reader_table` formats a ``DataFrame`` for the book instead;
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


def _missing(value) -> bool:
    return value is None or (isinstance(value, float | numbers.Real) and math.isnan(value))


def _integral_column(values) -> bool:
    present = [v for v in values if not _missing(v)]
    return bool(present) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and float(v).is_integer()
        for v in present
    )


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
    """``{column: [cell text, ...]}``: each column's cells as :func:`reader_table` shows them."""
    cells = {}
    for column in frame.columns:
        values = list(frame[column])
        integral = _integral_column(values)
        cells[str(column)] = [format_value(v, integral=integral) for v in values]
    return cells


def reader_table(frame, missing_reason: str = DEFAULT_REASON):
    """``frame`` as a pandas ``Styler`` with reader formatting (see the module doc).

    When a cell is missing, the table's caption says what the dash means.
    """
    import pandas as pd

    shown = pd.DataFrame(formatted_cells(frame), index=frame.index)
    shown.columns = frame.columns
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
