"""The built book's pages made lighter: each heavy script only where the page uses it.

Sphinx gives every page the same ``html_js_files`` (plotly.js, mermaid) and myst-nb adds
MathJax to every notebook page, about 10 MB a page, though most pages draw no chart, no
diagram and no formula. After the build, :func:`slim_book` removes from each page the script
tags of the assets it does not use; a page that draws keeps its scripts as they were. It also
keeps each interval in a table cell on one line (:func:`whole_intervals`), so that a phone's
narrow column wraps between a value and its interval rather than inside a number.

Example:
    >>> page = ('<head><script src="_static/plotly.min.js?v=1"></script>'
    ...         '<script src="_static/mermaid.min.js"></script></head>'
    ...         '<body><pre class="mermaid">flowchart LR</pre></body>')
    >>> "plotly" in slim_page(page), "mermaid.min.js" in slim_page(page)
    (False, True)
"""

from __future__ import annotations

import re
from pathlib import Path

# asset (a part of the script's src) -> pattern in the page's body that shows it is used
USED_WHEN = {
    "plotly.min.js": re.compile(r'class="plotly-graph-div"'),
    "mermaid.min.js": re.compile(r'<pre class="mermaid"'),
    "p3-mermaid.js": re.compile(r'<pre class="mermaid"'),
    "mathjax": re.compile(r'class="math(?: |")'),
    # the results page's "Try a pair" widget (onnxruntime-web and its tokenizer)
    "onnxruntime-web/": re.compile(r'id="p3-try-a-pair"'),
    "p3-widget/": re.compile(r'id="p3-try-a-pair"'),
}
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.DOTALL)
_SRC = re.compile(r'\bsrc="([^"]*)"')
# myst-nb's inline MathJax configuration, useless without MathJax itself
_MATHJAX_CONFIG = re.compile(r"window\.MathJax\s*=")


def _unused(script: str, unused_assets: set[str]) -> bool:
    src = _SRC.search(script.split(">", 1)[0])
    if src is not None:
        return any(asset in src.group(1) for asset in unused_assets)
    return "mathjax" in unused_assets and bool(_MATHJAX_CONFIG.search(script))


def slim_page(html: str) -> str:
    """``html`` without the script tags of assets its body does not use."""
    head, separator, body = html.partition("<body")
    if not separator:
        return html
    unused = {asset for asset, used in USED_WHEN.items() if not used.search(body)}
    if not unused:
        return html
    slim_head = _SCRIPT.sub(
        lambda match: "" if _unused(match.group(0), unused) else match.group(0), head
    )
    return slim_head + separator + body


# An interval in a table cell, "[-0.200, +0.017]" or "[73%, 74%]": kept on one line, so that a
# narrow cell wraps between a value and its interval, never inside the interval.
_INTERVAL = re.compile(r"\[[-+\u2212]?\d[\d.,]*%?, [-+\u2212]?\d[\d.,]*%?\]")
_CELL = re.compile(r"(<td\b[^>]*>)(.*?)(</td>)", re.DOTALL)


def whole_intervals(html: str) -> str:
    """``html`` with every interval inside a table cell wrapped in a span that never wraps.

    Example:
        >>> whole_intervals('<td class="text-right">-0.106 [-0.200, +0.017]</td>')
        '<td class="text-right">-0.106 <span class="p3-nowrap">[-0.200, +0.017]</span></td>'
        >>> whole_intervals("<p>[1, 2]</p>")
        '<p>[1, 2]</p>'
    """

    def cell(match: re.Match) -> str:
        inner = _INTERVAL.sub(lambda i: f'<span class="p3-nowrap">{i.group(0)}</span>', match[2])
        return match[1] + inner + match[3]

    return _CELL.sub(cell, html)


def slim_book(html_dir: Path) -> int:
    """Slim every page of the built book in ``html_dir`` and keep its table cells' intervals
    whole; return how many pages changed."""
    changed = 0
    for page in html_dir.rglob("*.html"):
        if "_static" in page.relative_to(html_dir).parts:
            continue
        text = page.read_text(encoding="utf-8")
        slim = whole_intervals(slim_page(text))
        if slim != text:
            page.write_text(slim, encoding="utf-8")
            changed += 1
    return changed
