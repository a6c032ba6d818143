"""How a share of a count is written on every page: never 100% for 294 of 295.

A share rounded to a whole percent reads as "all" or "none" when it is not: 294 of 295 is
99.7%, not 100%. :func:`format_share` keeps whole percents where they are honest and adds
digits only where rounding would reach 0% or 100%.
"""

from __future__ import annotations


def format_share(count: int, total: int) -> str:
    """``count / total`` as a percentage that says "all" or "none" only when it is.

    Example:
        >>> format_share(45, 45), format_share(294, 295), format_share(30, 45)
        ('100%', '99.7%', '67%')
        >>> format_share(1, 5000), format_share(0, 3), format_share(99999, 100000)
        ('0.02%', '0%', '>99.99%')
    """
    if total <= 0:
        return "–"
    share = count / total
    for digits in range(3):
        text = f"{share:.{digits}%}"
        if 0 < count < total and float(text.rstrip("%")) in (0.0, 100.0):
            continue
        return text
    return ">99.99%" if count > total / 2 else "<0.01%"
