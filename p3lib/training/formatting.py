"""How training quantities are written on every page: learning rates and run lengths.

They live beside the training code, not with the book's sentences, because the training records
and the rate search write them too, and ``p3lib.training`` may not import ``p3lib.book``.
"""

from __future__ import annotations


def format_epochs(epochs: float) -> str:
    """A run's length as an adjective: "1-epoch", "half-epoch", "0.25-epoch".

    Example:
        >>> format_epochs(1), format_epochs(0.5), format_epochs(4.0), format_epochs(0.25)
        ('1-epoch', 'half-epoch', '4-epoch', '0.25-epoch')
    """
    if epochs == 0.5:
        return "half-epoch"
    return f"{epochs:g}-epoch"


def format_rate(rate: float) -> str:
    """A learning rate as the PRD writes it.

    Example:
        >>> format_rate(0.0002), format_rate(3.5e-05)
        ('2e-4', '3.5e-5')
    """
    mantissa, exponent = f"{rate:.6e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
