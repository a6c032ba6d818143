"""The data quality score: the PRD's ``SyntheticDataEvaluator``, four dimensions of 0-100.

Each dimension is the plain mean of its four sub-scores, and the overall score is the plain
mean of the four dimensions; the data passes at ``overall >= 60``
(:data:`~p3lib.data.quality.report.PASS_MARK`). Every
sub-score carries the statistic it comes from (its value, and a p-value where there is a test)
and a one-line explanation with the numbers, so the JSON report can be read without this code.

Every record counts (no sampling) and nothing is random: the same records give the same report.

Words are lower-cased runs of letters, digits and inner apostrophes (``i'm``, ``can't``) in
the statement after its ``boy: ``/``girl: `` prefix; a "statement" is one side of a pair.

One module per dimension, each sub-score a function whose docstring spells out its formula;
``evaluator`` runs them (``SyntheticDataEvaluator``) and ``report`` holds the report's models,
the words and statements every dimension reads, and the report's text and files. The package
imports only ``p3lib.data.schema`` and ``p3lib.store``.

- data quality (``data_quality``): completeness,
  consistency, duplicates, format; each the share of records or statements without the defect.
- diversity (``diversity``): vocabulary richness
  (type-token ratio), category entropy, label balance, text complexity (spread of lengths).
- bias (``bias``): gender x label, category x label,
  length x label, vocabulary x label; each ``100 * (1 - association)``, so weaker association
  between the label and something that should not predict it scores higher.
- linguistic quality (``linguistic``): Flesch
  Reading Ease, coherence (Jaccard word overlap of paired statements), naturalness, trigram
  repetition.

Example:
    >>> from p3lib.data.quality.evaluator import SyntheticDataEvaluator
    >>> from p3lib.data.schema import DatingPair
    >>> pairs = [DatingPair(text_1="boy: I love jazz", text_2="girl: I love jazz too", label=1,
    ...                     category="interests", subcategory="music", pair_type="compatible"),
    ...          DatingPair(text_1="boy: I love jazz", text_2="girl: I hate jazz", label=0,
    ...                     category="interests", subcategory="music", pair_type="incompatible")]
    >>> report = SyntheticDataEvaluator(pairs).evaluate()
    >>> report.diversity.sub_score("label_balance").score
    100.0
"""
