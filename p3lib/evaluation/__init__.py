"""Measuring a model: every number the book reports about how well one ranks the pairs.

Embedding with a cache (``embed``, ``embedding_cache``), the evaluation every model goes through
(``pipeline``), the eight metrics on arrays (``metrics``) and the results they fill
(``results``), pair-level bootstrap intervals (``pair_bootstrap``), clustering figures
(``clustering``), the cluster bootstrap over template groups (``cluster_bootstrap``), the three
tiers of seen templates, unseen templates and unseen topics (``tiers``), operating points and
the false positive rate at a fixed eval recall (``operating_point``), how often a ranking holds
over resamples (``rankings``), errors by pair type (``errors_by_type``), the rank identity of
AUC and Spearman's rho (``rank_identity``), the words-only baseline (``words_only``), the PRD's
success criteria (``success``) and the before/after comparison (``comparison``). It may import
``p3lib.data`` and ``p3lib.store``; it never trains a model.
"""
