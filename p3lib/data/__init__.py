"""The pairs themselves: what a record is, where the default data comes from, and what it is worth.

The record schema and its loader (``schema``), the deterministic generator of the default data
(``generate``) with its template banks and held-out templates (``templates``), the audit of a
user's files (``audit``), the quality score of a data set (``quality``) and the validation
split carved from train by template group (``splits``). It may import ``p3lib.store`` only:
nothing here knows about models.
"""
