"""The appendix's four studies: loss functions, an instruction prompt, seeds, and OOD data.

Chapter 07 asks what the six chapters leave open, with the same recipe, data, validation split,
checkpoint rule and evaluation as they use:

1. **loss** (``losses``): ``CosineSimilarityLoss`` (chapter 03's model) against
   ``ContrastiveLoss`` and ``OnlineContrastiveLoss``, trained with the same budget (ADR 003);
2. **instruction** (``instruction``): the full fine-tuning recipe with a task instruction
   prepended to both statements in training, validation and evaluation, against the plain model;
3. **seeds** (``seeds``): full fine-tuning and LoRA with several seeds (the chapter models are
   the first), so that a difference can be set against the seed-to-seed spread;
4. **ood** (``ood``): every model measured on out-of-distribution pairs (new topics and
   phrasings), with the drop from the eval split.

Three layers:

* the shared plan (``plan``): :func:`~p3lib.training.experiments.plan.plan_variants` names every
  model the studies need, and :func:`~p3lib.training.experiments.plan.obtain_models` trains the
  new ones (into ``models/experiments/<name>``) or reads the chapter models it reuses;
* measuring (``measure``): :func:`~p3lib.training.experiments.measure.measure_models` evaluates
  each model on eval and OOD with :func:`p3lib.evaluation.pipeline.evaluate` (reusing chapters
  02 and 05's eval results where they exist);
* pure functions on the measured numbers, testable without a model: one module per study,
  assembled by :func:`~p3lib.training.experiments.summary.summarise_experiments`, which with
  ADR 003's numbers and the chapter's tables is ``summary``.

Conventions: a *delta* is ``variant - reference``; an OOD *drop* is ``eval - ood`` (positive:
worse out of distribution, for metrics where higher is better). Spreads use the sample
standard deviation (``ddof=1``). Undefined numbers are ``null``, never 0. No dataset text is
stored or quoted: only model names, numbers and fixed words. Its modules import
``p3lib.evaluation``, ``p3lib.store`` and the rest of ``p3lib.training``.
"""
