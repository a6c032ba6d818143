"""With 0/1 labels, Spearman's rho, its ceiling ratio and AUC-ROC are one number.

Derivation (tie-free scores, ``n1`` compatible and ``n0`` incompatible pairs, ``n = n1 + n0``):
the centred label ranks are ``n0 / 2`` (compatible) and ``-n1 / 2`` (incompatible), so the rank
covariance is ``(n / 2) (R1 - n1 (n + 1) / 2) = (n / 2) n1 n0 (AUC - 1/2)`` with ``R1`` the rank
sum of the compatible pairs (Mann-Whitney: ``R1 = n1 n0 AUC + n1 (n1 + 1) / 2``). The score
ranks have sum of squares ``n (n^2 - 1) / 12`` and the label ranks ``n n1 n0 / 4``, hence

    rho = (2 AUC - 1) sqrt(3 n1 n0 / (n^2 - 1))
    rho / ceiling = (2 AUC - 1) n / sqrt(n^2 - 1),   ceiling = sqrt(3 p (1 - p)), p = n1 / n

``2 AUC - 1`` is Somers' D. So AUC, rho and rho / ceiling are one fact about the ranking and
count once in any verdict. With tied scores the score ranks' sum of squares is smaller and
rho is ``(2 AUC - 1) sqrt(n n1 n0) / (2 sqrt(SS_ranks))``.

Example:
    >>> round(spearman_from_auc(1.0, 1, 1), 6), round(auc_from_spearman(0.0, 50, 50), 6)
    (1.0, 0.5)
"""

from __future__ import annotations

import math


def spearman_from_auc(auc: float, n1: int, n0: int) -> float:
    """Spearman's rho of tie-free scores against 0/1 labels, from their AUC."""
    n = n1 + n0
    return (2 * auc - 1) * math.sqrt(3 * n1 * n0 / (n * n - 1))


def ratio_from_auc(auc: float, n: int) -> float:
    """rho / ceiling from AUC: Somers' D times ``n / sqrt(n^2 - 1)``."""
    return (2 * auc - 1) * n / math.sqrt(n * n - 1)


def auc_from_spearman(rho: float, n1: int, n0: int) -> float:
    """The AUC that a Spearman's rho implies for tie-free scores (inverse of the above).

    Above 1 when ``rho`` exceeds what ``n1``/``n0`` allow (no ranking reaches it).
    """
    n = n1 + n0
    return (1 + rho / math.sqrt(3 * n1 * n0 / (n * n - 1))) / 2
