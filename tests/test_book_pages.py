"""The book as a reader gets it, on hand-made inputs: cleaned notebooks, slim pages, reader
tables, the landing page's finding, ADR 003 without the appendix, chart layout for any screen
width, and the browser test's defect checks (each shown to fire)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from book_defects import (
    machine_paths,
    pair_types_as_labels,
    placeholder_text,
    progress_text,
    raw_markdown_tables,
    repeated_sentences,
    repeated_tables,
    unused_scripts,
)
from test_report import BASELINE, FULL, LORA, RECORDS, result

from p3lib.book.charts import MODEL_NAMES, PLOTLY_MIME, book_figure, figure_html, show, title_html
from p3lib.book.charts.baseline import plot_category_margins, plot_roc
from p3lib.book.charts.comparison import plot_cohens_d, plot_umap_side_by_side
from p3lib.book.clean_notebooks import clean_notebook, reader_paths
from p3lib.book.html import slim_page
from p3lib.book.landing import (
    figure_path,
    key_numbers_table,
    landing_finding,
    landing_substitutions,
    plot_landing_cosines,
    write_cosine_figure,
)
from p3lib.book.pages import HOW_TO_GET_THE_REST, cosine_loss_section, replace_appendix_regions
from p3lib.book.sentences import headline_sentence
from p3lib.book.tables import formatted_cells, reader_table
from p3lib.evaluation.comparison import compare
from p3lib.store.atomic import atomic_write_json
from p3lib.store.run_layout import REPO_ROOT, RunLayout


@pytest.fixture(scope="module")
def results():
    return {
        "baseline": result(BASELINE, "baseline"),
        "full": result(FULL, "full"),
        "lora": result(LORA, "lora"),
    }


@pytest.fixture(scope="module")
def comparison(results):
    return compare(results["baseline"], results["full"], results["lora"], RECORDS)


# --- notebooks as the book stages them -------------------------------------------------------


def code_cell(source, outputs=(), tags=()):
    return {
        "cell_type": "code",
        "metadata": {"tags": list(tags)},
        "source": source,
        "outputs": list(outputs),
    }


def test_clean_notebook_drops_noise_and_folds_code():
    notebook = {
        "metadata": {"widgets": {"state": {}}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
            code_cell("OUT_DIR = 'outputs'", tags=["parameters"]),
            code_cell("OUT_DIR = '/home/me/run'", tags=["injected-parameters"]),
            code_cell(
                "train()",
                [
                    {"output_type": "stream", "name": "stderr", "text": ["Loading 0%|"]},
                    {"output_type": "stream", "name": "stdout", "text": "  \n"},
                    {"output_type": "stream", "name": "stdout", "text": "wrote /home/me/run/x"},
                    {
                        "output_type": "display_data",
                        "data": {
                            "application/vnd.jupyter.widget-view+json": {"model_id": "1"},
                            "text/plain": "Batches: 0%|",
                        },
                    },
                    {
                        "output_type": "execute_result",
                        "data": {"text/plain": "PosixPath('/home/me/p3/outputs/m.json')"},
                    },
                    {"output_type": "execute_result", "data": {"text/plain": "0.5"}},
                ],
            ),
            code_cell("show(fig)", tags=["remove-input"]),
        ],
    }
    paths = reader_paths(REPO_ROOT / "outputs", REPO_ROOT)
    cleaned = clean_notebook(notebook, {"/home/me/run/": "run/", **paths})
    assert "widgets" not in cleaned["metadata"]
    assert [c["source"] for c in cleaned["cells"]] == [
        "# Title",
        "OUT_DIR = 'outputs'",
        "train()",
        "show(fig)",
    ]
    kept = cleaned["cells"][2]["outputs"]
    assert [o.get("text") or o["data"]["text/plain"] for o in kept] == ["wrote run/x", "0.5"]
    assert cleaned["cells"][1]["metadata"]["tags"] == ["parameters", "remove-input"]
    assert cleaned["cells"][2]["metadata"]["tags"] == ["hide-input"]
    assert cleaned["cells"][3]["metadata"]["tags"] == ["remove-input"]  # the chapter decided
    assert notebook["cells"][3]["outputs"][0]["name"] == "stderr"  # the original is untouched


def shown_output(fig, monkeypatch) -> dict:
    """The output cell :func:`p3lib.book.charts.show` leaves in an executed notebook."""
    import IPython.display

    bundles = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: bundles.append(bundle))
    show(fig)
    (bundle,) = bundles
    # as papermill saves it: JSON through and through
    return {"output_type": "display_data", "metadata": {}, "data": json.loads(json.dumps(bundle))}


def without_div_ids(page_html: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", page_html)


def test_a_chart_is_stored_once_and_the_book_draws_it_with_its_title_above(results, monkeypatch):
    fig = plot_umap_side_by_side(results)
    output = shown_output(fig, monkeypatch)
    # the executed notebook holds the figure once: plotly's JSON, which JupyterLab draws
    assert set(output["data"]) == {PLOTLY_MIME, "text/plain"}
    notebook = {"cells": [code_cell("show(fig)", [output])]}
    (staged,) = clean_notebook(notebook)["cells"][0]["outputs"]
    assert set(staged["data"]) == {"text/html", "text/plain"}
    page = staged["data"]["text/html"]
    # the title in the page, above a div drawn by the book's own plotly.js (no script src)
    assert page.startswith(title_html(fig.layout.title.text) + "<div")
    assert "Plotly.newPlot" in page and 'class="plotly-graph-div"' in page and "src=" not in page
    # the same drawing the figure itself makes, laid out for the page
    assert without_div_ids(page) == without_div_ids(figure_html(fig))
    drawn = json.loads(
        re.search(r"Plotly\.newPlot\(\s*\"ID\",\s*(\[.*?\]),\s*\{", without_div_ids(page), re.S)[1]
    )
    assert [trace["x"] for trace in drawn] == [
        trace["x"] for trace in output["data"][PLOTLY_MIME]["data"]
    ]
    assert page.count("UMAP of pair features") == 1  # the title left the plot for the page
    # a notebook executed before charts were stored once keeps the HTML it has
    old = {"output_type": "display_data", "data": {PLOTLY_MIME: {}, "text/html": "<div>x</div>"}}
    (kept,) = clean_notebook({"cells": [code_cell("show(fig)", [old])]})["cells"][0]["outputs"]
    assert kept["data"] == old["data"]


def test_reader_paths_for_a_run_inside_and_outside_the_repository(tmp_path):
    inside = reader_paths(REPO_ROOT / "outputs" / "smoke", REPO_ROOT)
    assert inside[f"{REPO_ROOT}/outputs/smoke/"] == "outputs/smoke/"
    assert reader_paths(tmp_path / "my_run", REPO_ROOT)[f"{tmp_path}/my_run/"] == "my_run/"


# --- per-page scripts -------------------------------------------------------------------------


HEAD = (
    "<html><head>"
    '<script src="../_static/plotly.min.js?v=1"></script>\n'
    '<script src="../_static/mermaid.min.js?v=2"></script>\n'
    '<script src="../_static/p3-mermaid.js?v=3"></script>\n'
    "<script>window.MathJax = {options: {}}</script>\n"
    '<script async="async" src="../_static/mathjax/tex-svg.js?v=4"></script>\n'
    '<script src="../_static/doctools.js"></script>\n'
    "</head>"
)


def scripts(page: str) -> list[str]:
    return re.findall(r'src="\.\./_static/([^"?]+)', page) + (
        ["mathjax-config"] if "window.MathJax" in page else []
    )


def test_slim_page_keeps_only_the_scripts_a_page_uses():
    plain = slim_page(HEAD + "<body><p>prose</p></body></html>")
    assert scripts(plain) == ["doctools.js"]
    chart = slim_page(HEAD + '<body><div class="plotly-graph-div"></div></body></html>')
    assert scripts(chart) == ["plotly.min.js", "doctools.js"]
    diagram = slim_page(HEAD + '<body><pre class="mermaid">flowchart LR</pre></body></html>')
    assert scripts(diagram) == ["mermaid.min.js", "p3-mermaid.js", "doctools.js"]
    math = slim_page(HEAD + '<body><span class="math notranslate">\\(x\\)</span></body></html>')
    assert scripts(math) == ["mathjax/tex-svg.js", "doctools.js", "mathjax-config"]


# --- reader tables ----------------------------------------------------------------------------


def test_reader_table_formats_counts_scores_and_missing_cells():
    frame = pd.DataFrame(
        {
            "Baseline": [-0.10123, None, 0.5],
            "n_compatible": [1195.0, 135.0, 3.0],
            "text": ["<b>x</b>", "y", "z"],
        },
        index=["hobbies", "diet", "<i>c</i>"],
    )
    assert formatted_cells(frame) == {
        "Baseline": ["-0.101", "–", "0.500"],
        "n_compatible": ["1,195", "135", "3"],
        "text": ["<b>x</b>", "y", "z"],
    }
    html = reader_table(frame, missing_reason="the category lacks one label").to_html()
    assert "<caption>–: the category lacks one label</caption>" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html and "<i>" not in html
    assert "NaN" not in html and "1195.0" not in html
    assert "<caption>" not in reader_table(frame.drop(index="diet")).to_html()


# --- the landing page and ADR 003 -----------------------------------------------------------


def test_key_numbers_table_has_each_model_with_intervals(comparison):
    lines = key_numbers_table(comparison).splitlines()
    assert lines[0] == "| Eval split | Base model | Full fine-tuning | LoRA |"
    spearman = comparison.full.headline["spearman"]
    expected = f"{spearman.value:.3f} [{spearman.low:.3f}, {spearman.high:.3f}]"
    assert lines[2].startswith("| Spearman's rho") and expected in lines[2]
    margin = comparison.lora.headline["margin"].value
    assert lines[4].split(" | ")[3].startswith(f"{margin:+.3f} [")


def test_landing_finding_and_its_figure(comparison, results, tmp_path):
    layout = RunLayout(tmp_path)
    assert "no finding" in landing_substitutions(tmp_path)["landing_finding"]
    assert write_cosine_figure(tmp_path) is None
    for name, evaluated in results.items():
        atomic_write_json(layout.metric(name), evaluated)
    atomic_write_json(layout.metric("comparison"), comparison)
    path = write_cosine_figure(tmp_path)  # the README's static figure
    assert path == figure_path(tmp_path) and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = landing_substitutions(tmp_path)["landing_finding"]
    # A pointer to the headline, which the results page alone states (issue 25, item 13).
    assert "{ref}`the headline <results-headline>`" in text
    assert headline_sentence(comparison) not in text
    # The figure: one plotly panel per model, one HTML block (a blank line would end it).
    block = text.split("\n\n")[4]
    assert block.startswith('<div class="p3-landing-figure">') and "plotly-graph-div" in block
    figure = plot_landing_cosines(results)
    titles = [annotation.text for annotation in figure.layout.annotations]
    margin = results["baseline"].cosine.margin
    assert len(titles) == len(results) and f"Base model: margin {margin:+.3f}" in titles
    assert "plotly-graph-div" not in landing_finding(comparison)


def test_adr_003_without_the_appendix_shows_chapter_03s_model(comparison):
    section = cosine_loss_section(comparison)
    auc = comparison.full.headline["auc_roc"]
    assert f"| AUC-ROC on eval | {auc.value:.3f} [{auc.low:.3f}, {auc.high:.3f}] |" in section
    assert "| Best validation Spearman (checkpoint) | 0.900 |" in section
    assert "96 training pairs, 2 epochs, learning rate 2e-5" in section
    assert section.rstrip().endswith(HOW_TO_GET_THE_REST)
    assert "not measured" not in section and "{{" not in section
    assert HOW_TO_GET_THE_REST in cosine_loss_section(None)


def test_appendix_regions_in_the_book_sources():
    adr = (REPO_ROOT / "book" / "adr" / "003-cosine-similarity-loss.md").read_text()
    staged = replace_appendix_regions(adr, "MEASURED")
    assert "{{" not in staged and "MEASURED" in staged
    assert "## What this run measured\n\nMEASURED\n" in staged
    intro = (REPO_ROOT / "book" / "intro.md").read_text()
    assert "C7" in intro and "C7" not in replace_appendix_regions(intro)
    with pytest.raises(ValueError, match="no appendix:end"):
        replace_appendix_regions("a\n<!-- appendix:start -->\nb\n")


# --- charts on any screen width ---------------------------------------------------------------


def test_cohens_d_chart_names_each_reference_once_and_keeps_values_off_the_error_bars(
    comparison,
):
    fig = plot_cohens_d(comparison)
    texts = [annotation.text for annotation in fig.layout.annotations]
    assert texts == ["small", "medium", "large"]  # no empty annotation: no "new text"
    d = comparison.full.headline["cohens_d"]
    assert f"Full fine-tuning<br>{d.value:.2f} [{d.low:.2f}, {d.high:.2f}]" in fig.data[0].x
    assert fig.data[0].text is None


def test_book_figures_are_responsive_with_the_title_in_the_page(results):
    roc = plot_roc(results["full"], name="full")
    assert roc.layout.width is None
    umap = book_figure(plot_umap_side_by_side(results))
    assert umap.layout.title.text is None and umap.layout.width is None
    # Three panels side by side: each subplot title wrapped to a third of the width (30
    # characters a line), and the top margin makes room for its lines.
    titles = [a.text for a in umap.layout.annotations if a.yref == "paper" and a.y >= 1]
    assert len(titles) == 3
    assert all(len(line) <= 30 for title in titles for line in title.split("<br>"))
    lines = max(1 + title.count("<br>") for title in titles)
    assert lines >= 2 and umap.layout.margin.t == 24 + 18 * lines
    margins = plot_category_margins(results["full"])
    # short labels beside the bars; the counts move to the hover
    assert not any("compatible" in text for text in margins.data[0].text)
    assert all(text.startswith("n=") for text in margins.data[0].customdata)
    assert title_html("A<br><sup>b</sup><img src=x>") == (
        '<p class="p3-chart-title">A<br><sup>b</sup>&lt;img src=x&gt;</p>'
    )


# --- the browser test's checks fire on what they look for -------------------------------------


def test_defect_checks_fire_on_each_defect_and_pass_clean_text():
    assert placeholder_text("Spearman (not measured in this run)") == ["not measured in this run"]
    assert placeholder_text("large new text") == ["new text"]
    assert raw_markdown_tables("| Metric | Baseline |\n|---|---:|\n| AUC | 0.5 |") != []
    assert raw_markdown_tables("Metric\tBaseline\nAUC\t0.500") == []
    assert machine_paths("wrote /work/p3/outputs/m.json", ["/work/p3"]) == ["/work/p3"]
    assert machine_paths("wrote outputs/m.json", ["/work/p3"]) == []
    assert progress_text("Loading weights: 100%|██████| 103/103 [00:00<00:00, 9.1it/s]") != []
    assert progress_text("IProgress not found. Please update jupyter and ipywidgets.") != []
    assert progress_text("F1 0.665 at 50% of pairs; 3 epochs/s budget") == []
    assert unused_scripts(["a/mermaid.min.js"], {"plotly": False, "mermaid": False}) == [
        "a/mermaid.min.js"
    ]
    assert unused_scripts(["a/doctools.js"], {"plotly": False, "mermaid": False}) == []


def test_limitations_are_stated_with_the_runs_numbers(comparison, results, tmp_path):
    from p3lib.book.limitations import limitations

    layout = RunLayout(tmp_path)
    for name, evaluated in results.items():
        atomic_write_json(layout.metric(name), evaluated)
    atomic_write_json(layout.metric("comparison"), comparison)
    text = limitations(tmp_path, "the default generated data", appendix=False)
    base = comparison.baseline
    assert f"The eval split holds {base.n_pairs:,} pairs ({base.n_compatible:,} compatible" in text
    widths = [
        summary.headline[key].high - summary.headline[key].low
        for summary in comparison.models().values()
        for key in ("spearman", "auc_roc")
    ]
    assert f"The widest of them is {max(widths):.3f} wide." in text
    assert f"{results['baseline'].n_overlap:,} of the {results['baseline'].n_pairs:,}" in text
    assert "generated from templates" not in text and "built from templates" in text
    assert "this build did not run" in text
    assert "this build did not run" not in limitations(tmp_path, "x", appendix=True)


# --- each thing once, one name per model, a neutral colour for what is not a label ----------


def test_repetition_checks_fire_on_each_defect_and_pass_clean_pages():
    headline = (
        "Fine-tuning improved the compatibility margin from -0.133 to +0.002 (difference +0.135, "
        "paired 95% interval +0.014 to +0.221; Cohen's d from -0.68 to 0.01) on the eval split."
    )
    pages = {"intro": f"The answer. {headline}", "results": headline, "05": "Measured."}
    assert repeated_sentences(pages) == {headline: ["intro", "results"]}
    footnote = (
        "95% intervals resample the 40 template groups ((category, subcategory) pairs of "
        "near-identical statements) with BCa where it is defined, else percentiles."
    )
    assert list(repeated_sentences({"06": f"{footnote} Table. {footnote}"}).values()) == [
        ["06", "06"]
    ]
    assert repeated_sentences({"intro": "See the results page.", "results": headline}) == {}
    paired = [f"Full fine-tuning − LoRA | metric {i} | +0.01 | cannot tell" for i in range(36)]
    assert repeated_tables({"05": [paired], "06": [paired]}) == {paired[0]: ["05", "06"]}
    assert repeated_tables({"05": [paired[:3]], "06": [paired[:3], paired]}) == {}
    assert pair_types_as_labels("LoRA errs most on incompatible pairs: 45 of 45 wrong") != []
    assert pair_types_as_labels("among them 14 of 17 incompatible, 9 of 9 dealbreaker pairs")
    assert pair_types_as_labels("LoRA errs most on pairs of the type “incompatible”") == []
    assert pair_types_as_labels("40 false positives of 45 incompatible pairs") == []


def test_forest_plot_draws_every_paired_difference_with_its_interval_and_zero_line(comparison):
    from p3lib.book.charts import MODEL_COLORS, book_figure
    from p3lib.book.charts.paired import plot_paired_differences

    fig = plot_paired_differences(comparison)
    readings = [
        (pair.a, pair.b, metric, d)
        for pair in comparison.paired_differences.values()
        for metric, d in pair.differences.items()
    ]
    points = [
        (x, y, color, trace)
        for trace in fig.data
        if trace.x != (None,)
        for x, y, color in zip(trace.x, trace.y, trace.marker.color, strict=True)
    ]
    assert len(points) == len(readings) >= 20  # one row per reading
    for a, b, _, d in readings:
        label = f"{MODEL_NAMES[a]}<br>− {MODEL_NAMES[b]}"
        (x, _, color, trace), *_ = [p for p in points if p[1] == label and p[0] == d.estimate]
        assert color == MODEL_COLORS[a]
        assert trace.marker.symbol == ("circle" if d.excludes_zero else "circle-open")
        i = list(trace.x).index(x)
        assert trace.error_x.array[i] == pytest.approx(d.high - d.estimate)
        assert trace.error_x.arrayminus[i] == pytest.approx(d.estimate - d.low)
    metrics = {metric for _, _, metric, _ in readings}
    zero_lines = [s for s in fig.layout.shapes if s.x0 == 0 and s.x1 == 0]
    assert len(zero_lines) == len(metrics)  # a zero line in every metric's panel
    panels = [a.text for a in fig.layout.annotations]
    assert "AUC-ROC" in panels and "Cohen's d" in panels and len(panels) == len(metrics)
    drawn = book_figure(fig)  # the page's layout keeps the legend under the plot
    assert drawn.layout.legend.orientation == "h"


def test_charts_name_models_one_way_and_keep_label_colours_for_labels(results, comparison):
    from p3lib.book.charts import COLORS, MODEL_COLORS, book_figure
    from p3lib.book.charts.baseline import plot_threshold_sweep
    from p3lib.book.charts.comparison import plot_cosine_overlay, plot_false_positive_reduction

    legends = [t.name for t in book_figure(plot_cosine_overlay(results)).data]
    assert any(name.startswith("Base model, compatible") for name in legends)
    assert any(name.startswith("Full fine-tuning, incompatible") for name in legends)
    assert not any(name.startswith(("baseline", "full fine-tuning")) for name in legends)
    bars = [t.name for t in plot_false_positive_reduction(comparison).data]
    assert any(name.startswith("Base model: ") for name in bars), bars
    sweep = plot_threshold_sweep(results["full"])
    taken = {*COLORS.values(), *MODEL_COLORS.values(), "#2ca02c", "#1f77b4"}
    assert {t.line.color for t in sweep.data}.isdisjoint(taken)
    assert "eval split" in sweep.layout.title.text


def test_a_near_trivial_threshold_says_how_many_pairs_not_100_percent(comparison):
    from p3lib.book.results_block import results_table
    from p3lib.book.sentences import called_compatible

    summary = comparison.baseline.model_copy(
        update={"n_pairs": 295, "share_predicted_compatible": 294 / 295, "near_trivial": True}
    )
    assert called_compatible(summary) == "294 of 295 eval pairs (99.7%) called compatible"
    table = results_table(comparison.model_copy(update={"baseline": summary}))
    assert "near-trivial: 294 of 295 eval pairs (99.7%) called compatible" in table
    assert "100% of pairs" not in table


def test_adr_003_without_the_appendix_is_titled_and_introduced_as_one_loss(comparison):
    from p3lib.book.pages import one_loss_adr

    source = (REPO_ROOT / "book" / "adr" / "003-cosine-similarity-loss.md").read_text()
    staged = one_loss_adr(source, comparison)
    title = staged.splitlines()[0]
    assert title.startswith("# ADR 003: CosineSimilarityLoss") and "vs" not in title
    assert "one loss this build measured" in title
    assert "measured `CosineSimilarityLoss` alone" in staged
    assert "so this decision can rest on a measurement" not in staged
    with pytest.raises(ValueError, match="no longer holds"):
        one_loss_adr(source.replace("vs ContrastiveLoss", "and friends"), comparison)


def test_differences_beside_rounded_values_say_they_are_unrounded(comparison):
    from p3lib.book.sentences import UNROUNDED, paired_verdict

    d = comparison.paired_differences["full_vs_baseline"].differences["margin"]
    assert f"(difference {d.estimate:+.3f} {UNROUNDED}, paired" in headline_sentence(comparison)
    assert UNROUNDED in paired_verdict(comparison, "full", "baseline", "auc_roc")
