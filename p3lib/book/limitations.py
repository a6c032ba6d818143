"""The limitations page: what this run's numbers can and cannot say, in the run's own figures.

Every limit is stated with the number that sets it (how many eval pairs and subcategories the
intervals rest on, how many seeds trained each method, how many eval pairs share a statement
with train, what the data were), read from the run's results, so the page changes when the
run does. :func:`limitations_substitutions` fills ``book/limitations.md``.
"""

from __future__ import annotations

from pathlib import Path

from p3lib.store.atomic import read_json
from p3lib.store.run_layout import RunLayout


def _eval_subcategories(out_dir: Path) -> int | None:
    from p3lib.data.schema import load_pairs

    manifest = out_dir / "run.json"
    if not manifest.is_file():
        return None
    eval_path = read_json(manifest).get("parameters", {}).get("eval_path")
    if not eval_path or not Path(eval_path).is_file():
        return None
    return len({pair.subcategory for pair in load_pairs(eval_path)})


def _seed(out_dir: Path) -> int | None:
    manifest = out_dir / "run.json"
    if not manifest.is_file():
        return None
    return read_json(manifest).get("parameters", {}).get("seed")


def limitations(out_dir: str | Path, data_source: str, *, appendix: bool) -> str:
    """The page's body (Markdown): one paragraph per limit, each with its number."""
    from p3lib.evaluation.comparison import load_comparison
    from p3lib.evaluation.results import EvaluationResult
    from p3lib.store.result_files import load_result

    out_dir = Path(out_dir)
    layout = RunLayout(out_dir)
    generated = "generated" in data_source
    parts = [
        "**The data.** Every model here was trained and measured on "
        f"{data_source}. "
        + (
            "Those statements are built from templates by `p3lib`'s generator, and the eval "
            "split comes from the same generator as train: the numbers say how well "
            "fine-tuning learned this generator's notion of compatibility, not how it would "
            "judge real profiles."
            if generated
            else "The numbers hold for pairs like those files' pairs; they say nothing about "
            "pairs of another kind."
        )
    ]
    if layout.metric("comparison").is_file():
        comparison = load_comparison(layout.metric("comparison"))
        base = comparison.baseline
        subcategories = _eval_subcategories(out_dir)
        groups = f" in {subcategories} subcategories" if subcategories else ""
        widths = [
            estimate.high - estimate.low
            for summary in comparison.models().values()
            for key in ("spearman", "auc_roc")
            if (estimate := summary.headline.get(key)) is not None
            and estimate.low is not None
            and estimate.high is not None
        ]
        widest = f" The widest of them is {max(widths):.3f} wide." if widths else ""
        parts.append(
            f"**The sample.** The eval split holds {base.n_pairs:,} pairs "
            f"({base.n_compatible:,} compatible, {base.n_incompatible:,} incompatible){groups}. "
            "Pairs in one subcategory are near-copies of each other, so every interval "
            "resamples subcategories, not pairs: the intervals are as wide as the number of "
            f"subcategories allows, and a difference inside them is one this run cannot tell "
            f"from chance.{widest}"
        )
    seed = _seed(out_dir)
    parts.append(
        "**One training run per method.** The main comparison trains full fine-tuning and "
        f"LoRA once each{f', with seed {seed}' if seed is not None else ''}. "
        + (
            "The appendix (chapter 07) trains more seeds of each and judges every difference "
            "against their spread."
            if appendix
            else "How far another seed would move their numbers is measured only by the "
            "optional appendix (`p3 all --experiments`), which this build did not run."
        )
    )
    if layout.metric("baseline").is_file():
        baseline = load_result(layout.metric("baseline"), EvaluationResult)
        parts.append(
            f"**Statements seen in training.** {baseline.n_overlap:,} of the "
            f"{baseline.n_pairs:,} eval pairs share a statement with the training data; "
            "chapter 05 reports the metrics on the leak-free rest as well."
        )
    training = layout.metric("full_training")
    if training.is_file():
        record = read_json(training)
        world, device = record.get("world_size", 1), record.get("device", "cpu")
        parts.append(
            f"**One machine.** The models were trained on {device} in {world} "
            f"process{'es' * (world != 1)}; the multi-process path of the recipe is tested with "
            "two CPU processes only."
        )
    return "\n\n".join(parts)


def limitations_substitutions(
    out_dir: str | Path, data_source: str, *, appendix: bool
) -> dict[str, str]:
    """``{"limitations": Markdown}`` for ``book/limitations.md``."""
    return {"limitations": limitations(out_dir, data_source, appendix=appendix)}
