"""Turning a run into the published book: pages, sentences, tables, charts and the widget.

The book build (``build``) and its steps (``pages``, ``html``, ``clean_notebooks``), the
landing page, the README's results block and its check (``results_block``, ``results_check``),
the sentences and tables every page shares (``sentences``, ``tables``, ``chapter_summaries``),
the three tiers in words and tables (``tier_text``), the ADRs' measured figures (``adr``), the
"Try a pair" widget and the local server it needs (``widget``, ``serve``), and the charts
(``charts``: results in, plotly figures out). It sits at the top, under ``p3lib.cli`` only, and
may import every other package.
"""
