"""The appendix (chapter 07): the loss option of the recipe, the instruction prompt at
evaluation, the four studies on made-up numbers (each verdict branch), the whole pipeline on a
tiny random BERT, ADR 003's substitutions, and a smoke run of the chapter with papermill."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import plotly.graph_objects as go
import pytest
from json_files import as_written
from made_up_models import PROMPT, measured, zoo
from tiny_model import build_tiny_model, tiny_config, tiny_pairs

from p3lib.book.charts.experiments import (
    plot_instruction_deltas,
    plot_loss_study,
    plot_ood_drop,
    plot_seed_spread,
)
from p3lib.evaluation.results import HEADLINE_KEYS, INTERVAL_METRICS
from p3lib.store.atomic import atomic_write_json, read_json
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import REPO_ROOT, RunLayout
from p3lib.training.experiments.instruction import instruction_study
from p3lib.training.experiments.losses import loss_study
from p3lib.training.experiments.measure import (
    describe_difference,
    measure_models,
    paired_difference,
)
from p3lib.training.experiments.ood import ood_study
from p3lib.training.experiments.plan import (
    LOSSES,
    experiment_dir,
    obtain_models,
    plan_variants,
    recipe_differences,
    seed_list,
)
from p3lib.training.experiments.seeds import seed_study, spread
from p3lib.training.experiments.summary import (
    SUBSTITUTION_KEYS,
    ExperimentsResult,
    appendix_summary,
    experiment_substitutions,
    ood_table,
    summarise_experiments,
)
from p3lib.training.record import TrainConfig, TrainingRecord
from p3lib.training.train import train

# --- the recipe's loss option and the prompt at evaluation -------------------------------------


def test_the_loss_defaults_to_cosine_and_rejects_unknown_losses():
    assert TrainConfig().loss == "cosine"
    assert TrainConfig(loss="online_contrastive").loss == "online_contrastive"
    with pytest.raises(ValueError):
        TrainConfig(loss="triplet")
    # a record written before the option existed still loads, as a cosine run
    data = TrainConfig().model_dump()
    del data["loss"]
    assert TrainConfig.model_validate(data).loss == "cosine"


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny") / "base"
    build_tiny_model(folder)
    return folder


@pytest.mark.parametrize("loss", ["contrastive", "online_contrastive"])
def test_contrastive_losses_train_and_are_recorded(tmp_path, tiny_base, loss):
    cosine = train(
        tiny_pairs(96, seed=1), tiny_pairs(24, seed=2), tiny_config(epochs=2), model=tiny_base
    )
    record = train(
        tiny_pairs(96, seed=1),
        tiny_pairs(24, seed=2),
        tiny_config(epochs=2, loss=loss),
        tmp_path / "out",
        model=tiny_base,
    )
    assert TrainingRecord.load(tmp_path / "out").config.loss == loss
    losses = [point.loss for point in record.loss]
    assert all(np.isfinite(losses)) and len(losses) == record.total_steps
    # another objective: the same seed and batches give other loss values than cosine's
    assert losses != [point.loss for point in cosine.loss]
    assert record.best_score >= record.validation[0].spearman_cosine


def test_a_prompt_is_prepended_to_every_text_at_encoding(tiny_base):
    from p3lib.evaluation.embed import encode_texts, load_model

    model = load_model(tiny_base)
    texts = ["boy: i love hiking", "girl: i hate hiking"]
    prompted = encode_texts(model, texts, prompt=PROMPT, show_progress_bar=False)
    by_hand = encode_texts(model, [PROMPT + t for t in texts], show_progress_bar=False)
    plain = encode_texts(model, texts, show_progress_bar=False)
    assert list(prompted) == texts  # keyed by the texts as given
    for text in texts:
        np.testing.assert_allclose(prompted[text], by_hand[PROMPT + text], atol=1e-6)
        assert np.abs(prompted[text] - plain[text]).max() > 1e-4


# --- the plan ----------------------------------------------------------------------------------


def test_plan_trains_seven_models_each_one_setting_away_from_the_recipe():
    recipe = TrainConfig(epochs=1, seed=42)
    variants = plan_variants(recipe, [42, 43, 44], "Decide: ")
    names = [v.name for v in variants]
    assert names == [
        "full",
        "lora",
        "contrastive",
        "online_contrastive",
        "full_seed43",
        "full_seed44",
        "lora_seed43",
        "lora_seed44",
        "instructed",
    ]
    assert [v.name for v in variants if v.reuse] == ["full", "lora"]
    lora = recipe.model_copy(update={"method": "lora"})
    expected = {
        "contrastive": {"loss"},
        "online_contrastive": {"loss"},
        "full_seed43": {"seed"},
        "lora_seed44": {"seed"},
        "instructed": {"prompts"},
    }
    by_name = {v.name: v for v in variants}
    for name, changed in expected.items():
        reference = lora if by_name[name].config.method == "lora" else recipe
        assert set(recipe_differences(by_name[name].config, reference)) == changed, name
    assert by_name["instructed"].prompt == "Decide: "
    assert seed_list(43, [42, 43]) == [43, 42]  # the chapters' seed is always first
    with pytest.raises(ValueError, match="instruction"):
        plan_variants(recipe, [42], "  ")


def test_recipe_differences_ignore_settings_the_method_does_not_use():
    full = TrainConfig(method="full")
    assert recipe_differences(full.model_copy(update={"lora_r": 4}), full) == {}
    lora = TrainConfig(method="lora")
    assert recipe_differences(lora.model_copy(update={"learning_rate": 1.0}), lora) == {}
    assert set(recipe_differences(lora.model_copy(update={"lora_r": 4}), lora)) == {"lora_r"}


# --- the studies on made-up numbers -------------------------------------------------------------


def test_spread_of_values_with_gaps():
    s = spread([0.5, None, 0.7])
    assert (s.n, s.low, s.high) == (2, 0.5, 0.7)
    assert s.mean == pytest.approx(0.6) and s.range == pytest.approx(0.2)
    assert spread([0.4]).std is None
    assert spread([None]).mean is None


def test_seed_study_reports_mean_spread_and_whether_methods_separate():
    study = seed_study(zoo())
    assert study.seeds == [42, 43, 44]
    assert study.models == {
        "full": ["full", "full_seed43", "full_seed44"],
        "lora": ["lora", "lora_seed43", "lora_seed44"],
    }
    rho = study.eval["full"]["spearman"]
    assert rho.mean == pytest.approx(0.6) and rho.std == pytest.approx(0.01)
    assert set(study.eval["full"]) == set(HEADLINE_KEYS)
    assert study.gap["spearman"] == pytest.approx(0.05)
    # Every full seed ranks better than every LoRA seed on every draw of pairs (the made-up
    # models share one noise draw), so the two-level interval lies above 0.
    assert study.separated["spearman"]  # 0.59..0.61 against 0.54..0.56
    assert study.two_level["spearman"].low > 0
    assert "full fine-tuning ranks pairs better" in study.verdict
    assert "two-level bootstrap" in study.verdict
    # A LoRA seed better than every full seed: resamples drawing it more often reverse the gap.
    close = seed_study(zoo(lora_seed43=0.62))
    assert close.two_level["spearman"].low < 0 < close.two_level["spearman"].high
    assert not close.separated["spearman"]
    assert "includes 0" in close.verdict


def test_paired_difference_of_two_models_on_the_same_pairs():
    models = zoo()
    better = paired_difference(models["full"], models["contrastive"], seed_range=0.02)
    assert (better.a, better.b, better.split, better.metric) == (
        "full",
        "contrastive",
        "eval",
        "spearman",
    )
    assert better.low > 0 and better.excludes_zero and better.beyond_seeds and better.real
    itself = paired_difference(models["full"], models["full"], "ood", "auc_roc")
    assert (itself.value, itself.low, itself.high) == (0.0, 0.0, 0.0)
    assert not itself.excludes_zero and itself.beyond_seeds is None and not itself.real
    assert "includes 0" in describe_difference(itself)
    with pytest.raises(ValueError, match="no bootstrap interval"):
        paired_difference(models["full"], models["lora"], metric="f1")
    other_pairs = models["lora"].model_copy(update={"eval_labels": [0, 1] * 50})
    with pytest.raises(ValueError, match="not measured on the same eval pairs"):
        paired_difference(models["full"], other_pairs)


def test_a_difference_inside_the_seed_range_is_not_real():
    models = zoo()
    close = paired_difference(models["full"], models["full_seed43"], seed_range=0.5)
    assert close.excludes_zero is (close.low > 0 or close.high < 0)
    assert close.beyond_seeds is False and not close.real
    if close.excludes_zero:
        assert "but a new seed alone moves it by up to 0.500" in describe_difference(close)


def test_loss_verdict_cosine_best_and_beyond_noise():
    models = zoo()
    study = loss_study(models, seeds=seed_study(models))
    assert [arm.loss for arm in study.arms] == ["cosine", "contrastive", "online_contrastive"]
    assert study.best == "cosine" and study.seed_range == pytest.approx(0.02)
    assert set(study.differences) == {"contrastive", "online_contrastive"}
    for difference in study.differences.values():
        assert difference.b == "full" and difference.value < -0.02 and difference.real
    assert "supports the default" in study.verdict
    assert "OnlineContrastiveLoss -0." in study.verdict  # each difference is quoted


def test_loss_verdict_cosine_best_within_noise():
    models = zoo(online_contrastive=0.595)
    study = loss_study(models, seeds=seed_study(models))
    assert study.best == "cosine"
    assert study.differences["contrastive"].real
    assert not study.differences["online_contrastive"].real
    assert "cannot tell OnlineContrastiveLoss from CosineSimilarityLoss" in study.verdict
    assert "and ContrastiveLoss ranks worse than it" in study.verdict
    assert "no alternative is shown to beat the default" in study.verdict


def test_loss_verdict_a_contrastive_loss_better():
    models = zoo(contrastive=0.70)
    study = loss_study(models, seeds=seed_study(models))
    assert study.best == "contrastive" and study.differences["contrastive"].real
    assert "ContrastiveLoss ranks eval pairs better than CosineSimilarityLoss" in study.verdict
    tied = zoo(contrastive=0.61)
    study = loss_study(tied, seeds=seed_study(tied))
    assert study.best == "contrastive" and not study.differences["contrastive"].real
    assert "cannot tell ContrastiveLoss" in study.verdict


def test_loss_verdict_when_only_the_split_is_noisy():
    # Same quality, but noise of its own: the paired interval straddles 0, whatever the gap.
    models = zoo()
    models["contrastive"] = measured("contrastive", loss="contrastive", rho=0.60, jitter=1.0)
    study = loss_study(models)  # no seed study: the interval decides alone
    difference = study.differences["contrastive"]
    assert difference.low < 0 < difference.high and difference.seed_range is None
    assert not difference.real
    assert "which includes 0" in study.verdict and "cannot tell ContrastiveLoss" in study.verdict


def test_instruction_study_compares_every_headline_metric():
    models = zoo()
    study = instruction_study(models, seeds=seed_study(models))
    assert set(study.eval_deltas) == set(study.ood_deltas) == set(HEADLINE_KEYS)
    assert study.eval_deltas["spearman"] == pytest.approx(0.005)
    assert study.eval_deltas["purity"] is None  # undefined on both sides: null, not 0
    assert set(study.eval_differences) == set(study.ood_differences) == set(INTERVAL_METRICS)
    assert study.eval_differences["spearman"].a == "instructed"
    assert not study.eval_differences["spearman"].real
    assert study.seed_range["spearman"] == pytest.approx(0.02)
    assert study.instruction == PROMPT
    assert "On eval" in study.verdict and "cannot say that it matters" in study.verdict
    helped = zoo(instructed=0.70)
    assert "On eval, Spearman's rho with the instruction is 0.700" in (
        instruction_study(helped).verdict
    )
    assert "the instruction helps" in instruction_study(helped).verdict
    with pytest.raises(ValueError, match="instruction"):
        instruction_study(models, instructed="full_seed43")


def test_ood_study_reports_the_drop_of_every_model():
    study = ood_study(zoo())
    assert len(study.rows) == 10 and study.n_ood == 60
    rows = {row.name: row for row in study.rows}
    assert rows["full"].drop["spearman"] == pytest.approx(0.20)
    assert rows["baseline"].drop["spearman"] == pytest.approx(0.05)
    assert study.largest_drop == "full_seed43" and study.smallest_drop == "baseline"
    assert "lower on OOD than on eval for 10 of the 10 models" in study.verdict
    # the made-up OOD scores separate far less than the eval scores for the fine-tuned models
    assert rows["full"].drop_interval["spearman"].low > 0 and rows["full"].drop_excludes_zero()
    beyond = sum(row.drop_excludes_zero() for row in study.rows)
    assert f"For {beyond} of the 10 that fell, the drop is larger" in study.verdict
    table = ood_table(study)
    assert table["full"]["excludes 0"] == "yes"
    assert table["full"]["drop 95% interval"].startswith("+0.")
    assert "Full fine-tuning against the baseline" in study.verdict


def test_results_file_and_adr_substitutions(tmp_path):
    fallback = experiment_substitutions(tmp_path)
    assert set(fallback) == set(SUBSTITUTION_KEYS)
    assert fallback["exp_cosine_spearman"] == "(not measured in this run)"
    assert "not run" in fallback["exp_loss_verdict"]

    result = summarise_experiments(zoo(), TrainConfig(), PROMPT)
    atomic_write_json(RunLayout(tmp_path).metric("experiments"), result)
    values = experiment_substitutions(tmp_path)
    assert set(values) == set(SUBSTITUTION_KEYS)
    assert values["exp_cosine_spearman"] == "0.600 [0.580, 0.620]"
    assert values["exp_contrastive_auc"] == "0.750 [0.730, 0.770]"
    assert values["exp_online_contrastive_ood_spearman"].startswith("0.350")
    assert values["exp_seed_full_spearman"] == "0.600 ± 0.010 (range 0.590 to 0.610, 3 seeds)"
    online = result.loss_study.differences["online_contrastive"]
    assert values["exp_online_contrastive_difference"] == (
        f"{online.value:+.3f} [{online.low:+.3f}, {online.high:+.3f}]"
    )
    assert values["exp_online_contrastive_difference"].startswith("-0.")
    assert "4 epochs at batch size 16, learning rate 2e-5" in values["exp_loss_budget"]
    assert values["exp_loss_verdict"] == result.loss_study.verdict
    # no dataset text: only fixed words, model names and numbers
    assert not any("<" in value for value in values.values())


def test_appendix_summary_lists_every_model_and_the_four_verdicts():
    result = summarise_experiments(zoo(), TrainConfig(), PROMPT)
    text = appendix_summary(result)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 10  # header and one row per model
    interval = result.ood_study.rows[1].drop_interval["spearman"]
    assert f"| full | 0.600 | 0.400 | +0.200 [{interval.low:+.3f}, {interval.high:+.3f}] |" in rows
    assert any(row.startswith("| baseline | 0.200 | 0.150 | +0.050 [") for row in rows)
    bullets = [line for line in text.splitlines() if line.startswith("- **")]
    assert [b.split("**")[1] for b in bullets] == [
        "Seeds.",
        "Loss.",
        "Instruction.",
        "Out of distribution.",
    ]
    assert result.loss_study.verdict in text
    assert "(100 and 60 pairs)" in text


def test_adr_003_uses_exactly_the_substitution_keys():
    text = (REPO_ROOT / "book" / "adr" / "003-cosine-similarity-loss.md").read_text()
    used = set(re.findall(r"\{\{\s*([a-z_0-9]+)\s*\}\}", text))
    assert used == set(SUBSTITUTION_KEYS)


def test_charts_draw_every_study():
    models = zoo()
    result = summarise_experiments(models, TrainConfig(), PROMPT)
    loss = plot_loss_study(result.loss_study)
    assert isinstance(loss, go.Figure) and len(loss.data) == 3
    assert loss.data[0].error_y.array is not None  # AUC and Spearman carry intervals
    seeds = plot_seed_spread(result.seed_study)
    assert len(seeds.data) == 4 * 2 * 2  # 4 panels x 2 methods x (dots, mean)
    instruction = plot_instruction_deltas(result.instruction_study)
    assert [trace.type for trace in instruction.data] == ["bar", "bar", "scatter", "scatter"]
    ood = plot_ood_drop(result.ood_study)
    assert [len(trace.x) for trace in ood.data] == [10, 10]
    full = next(row for row in result.ood_study.rows if row.name == "full")
    interval = full.drop_interval["spearman"]
    assert list(ood.data[0].customdata[1]) == [full.drop["spearman"], interval.low, interval.high]


# --- the whole pipeline on a tiny random BERT --------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_base):
    """Chapters 03 and 04's stand-ins, then the appendix's training and measuring."""
    from p3lib.evaluation.embed import load_model
    from p3lib.evaluation.pipeline import evaluate

    layout = RunLayout(tmp_path_factory.mktemp("run"))
    fit, validation = tiny_pairs(96, seed=1), tiny_pairs(24, seed=2)
    eval_pairs, ood_pairs = tiny_pairs(40, seed=3), tiny_pairs(30, seed=4)
    recipe = tiny_config(epochs=1)
    train(fit, validation, recipe, layout.model("full"), model=tiny_base)
    train(
        fit,
        validation,
        recipe.model_copy(update={"method": "lora"}),
        layout.model("lora"),
        model=tiny_base,
    )
    baseline = evaluate(
        load_model(tiny_base),
        eval_pairs,
        validation,
        fit,
        n_bootstrap=50,
        show_progress_bar=False,
        name="baseline",
    )
    atomic_write_json(layout.metric("baseline"), baseline)
    variants = plan_variants(recipe, [7, 8], PROMPT)
    records = {}
    for study in ("chapters", "loss", "seeds", "instruction"):
        records |= obtain_models(
            variants, fit, validation, layout, study=study, model=str(tiny_base)
        )
    measured = measure_models(
        variants,
        records,
        eval_pairs,
        ood_pairs,
        validation,
        fit,
        layout,
        model=str(tiny_base),
        n_bootstrap=50,
    )
    result = summarise_experiments(measured, recipe, PROMPT)
    return dict(
        layout=layout,
        records=records,
        measured=measured,
        result=result,
        baseline=baseline,
        fit=fit,
        validation=validation,
        eval_pairs=eval_pairs,
        recipe=recipe,
    )


def test_tiny_run_trains_each_new_model_into_experiments(tiny_run):
    layout, records = tiny_run["layout"], tiny_run["records"]
    trained = ["contrastive", "online_contrastive", "full_seed8", "lora_seed8", "instructed"]
    assert sorted(records) == sorted(["full", "lora", *trained])
    for name in trained:
        folder = experiment_dir(layout, name)
        assert TrainingRecord.load(folder).config == records[name].config
    assert records["contrastive"].config.loss == "contrastive"
    assert records["lora_seed8"].config.method == "lora" and records["lora_seed8"].seed == 8
    assert records["instructed"].config.prompts == PROMPT
    assert not (layout.models / "experiments" / "full").exists()  # reused, not retrained


def test_tiny_run_measures_every_model_on_eval_and_ood(tiny_run):
    measured, baseline = tiny_run["measured"], tiny_run["baseline"]
    assert len(measured) == 8
    assert all(m.n_eval == 40 and m.n_ood == 30 for m in measured.values())
    # chapter 02's saved eval result is reused, not measured again
    # (read back from JSON, so equal to the written precision)
    assert measured["baseline"].eval["spearman"].value == pytest.approx(baseline.spearman, rel=1e-9)
    assert measured["instructed"].prompt == PROMPT
    assert measured["contrastive"].trained_in_appendix and not measured["full"].trained_in_appendix
    result = tiny_run["result"]
    assert result.seed_study.models == {
        "full": ["full", "full_seed8"],
        "lora": ["lora", "lora_seed8"],
    }
    assert {arm.loss for arm in result.loss_study.arms} == set(LOSSES)
    assert result.train_seconds > 0


def test_tiny_run_applies_the_instruction_at_evaluation(tiny_run):
    """The instructed model's eval numbers are those of its own prompted encoding."""
    from p3lib.evaluation.embed import load_model
    from p3lib.evaluation.pipeline import evaluate

    layout = tiny_run["layout"]
    model = load_model(experiment_dir(layout, "instructed"))
    args = (tiny_run["eval_pairs"], tiny_run["validation"], tiny_run["fit"])
    kwargs = dict(n_bootstrap=50, show_progress_bar=False)
    prompted = evaluate(model, *args, prompt=PROMPT, **kwargs)
    plain = evaluate(model, *args, **kwargs)
    assert tiny_run["measured"]["instructed"].eval["spearman"].value == prompted.spearman
    assert prompted.cosine.scores != plain.cosine.scores


def test_tiny_run_saves_thresholds_so_p3_score_uses_the_instruction(tiny_run, capsys):
    """Each model the appendix trains can be scored; the instructed one with its instruction."""
    from p3lib.evaluation.embed import cosine_scores, encode_texts, load_model
    from p3lib.training.score import load_threshold, score_command

    layout = tiny_run["layout"]
    trained = [name for name, m in tiny_run["measured"].items() if m.trained_in_appendix]
    assert len(trained) == 5
    for name in trained:
        saved = load_threshold(experiment_dir(layout, name))
        assert saved.prompt == (PROMPT if name == "instructed" else None)
    folder = experiment_dir(layout, "instructed")
    measured_threshold = load_threshold(folder).threshold
    threshold = tiny_run["measured"]["instructed"].eval["threshold"].value
    assert measured_threshold == pytest.approx(threshold, rel=1e-9)
    texts = ["boy: I love hiking at dawn", "girl: I hate early mornings"]
    score_command(folder, texts, None)
    printed = capsys.readouterr().out
    table = encode_texts(load_model(folder), texts, show_progress_bar=False, prompt=PROMPT)
    expected = float(cosine_scores(table[texts[0]][None], table[texts[1]][None])[0])
    assert f"cosine {expected:.4f}" in printed
    assert "instruction prepended to both texts" in printed


def test_tiny_run_refuses_chapter_models_with_another_recipe(tiny_run):
    variants = plan_variants(tiny_run["recipe"].model_copy(update={"epochs": 3}), [7], PROMPT)
    with pytest.raises(ValueError, match="epochs"):
        obtain_models(
            variants, tiny_run["fit"], tiny_run["validation"], tiny_run["layout"], study="chapters"
        )


def test_tiny_run_results_file_round_trips(tiny_run, tmp_path):
    atomic_write_json(RunLayout(tmp_path).metric("experiments"), tiny_run["result"])
    data = read_json(RunLayout(tmp_path).metric("experiments"))
    assert ExperimentsResult.model_validate(data) == as_written(tiny_run["result"])
    values = experiment_substitutions(tmp_path)
    assert "(not measured" not in values["exp_contrastive_spearman"]


# --- chapter 07 with papermill, on the smoke run's outputs -------------------------------------


# The longest test of the suite (it trains five models): handed out with the first tests.
@pytest.mark.smoke
@pytest.mark.long
def test_chapter_07_runs_on_the_smoke_outputs(smoke_book, tmp_path):
    import papermill
    from conftest import SMOKE_PARAMS, stratified_slice

    from p3lib.data.schema import dump_pairs, load_pairs
    from p3lib.run.chapters import read_parameters, to_notebook
    from p3lib.run.parameters import load_parameters_file
    from p3lib.store.run_layout import DEFAULT_OOD

    out = tmp_path / "out"
    shutil.copytree(smoke_book["out"], out, ignore=shutil.ignore_patterns("notebooks"))
    ood = tmp_path / "ood.jsonl"
    ood.write_text(dump_pairs(stratified_slice(load_pairs(DEFAULT_OOD), 60, seed=3)))
    source = REPO_ROOT / "notebooks" / "07_experiments.py"
    declared = read_parameters(source)
    parameters = {k: v for k, v in load_parameters_file(SMOKE_PARAMS).items() if k in declared} | {
        "TRAIN_PATH": str(smoke_book["train"]),
        "EVAL_PATH": str(smoke_book["eval"]),
        "OOD_PATH": str(ood),
        "OUT_DIR": str(out),
        "SEEDS": [42, 43],
    }
    executed = tmp_path / "07_experiments.ipynb"
    papermill.execute_notebook(
        str(to_notebook(source, tmp_path / "source.ipynb")),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(REPO_ROOT),
        progress_bar=False,
    )
    result = load_result(RunLayout(out).metric("experiments"), ExperimentsResult)
    assert len(result.models) == 8 and result.seeds == [42, 43]
    assert all(m.n_ood == 60 for m in result.models.values())
    assert set(result.loss_study.differences) == {"contrastive", "online_contrastive"}
    assert set(result.instruction_study.ood_differences) == set(INTERVAL_METRICS)
    for name in ("contrastive", "online_contrastive", "full_seed43", "lora_seed43", "instructed"):
        assert (out / "models" / "experiments" / name / "training_record.json").is_file()
    notebook = json.loads(executed.read_text())
    outputs = [o for cell in notebook["cells"] for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # no dataset text reaches the page's Markdown
    markdown = "".join(
        "".join(o["data"]["text/markdown"]) for o in outputs if "text/markdown" in o.get("data", {})
    )
    assert "<script" not in markdown and "boy:" not in markdown
    html = "".join("".join(o["data"].get("text/html", "")) for o in outputs if "data" in o)
    assert "paired 95% interval" in html  # the differences tables are drawn
