"""Progress bars in a chapter's kernel: off, so no stderr box in JupyterLab or in the book.

A model here loads in well under a second and trains with its own validation record, so the
Hugging Face libraries' bars ("Loading weights", dataset ``map``) only add noise: in a kernel
they are stderr output that the executed notebook keeps and the book shows. Every chapter that
loads or trains a model calls :func:`quiet_progress_bars` once, in its imports cell. (tqdm's
"IProgress not found" warning is a missing ``ipywidgets``, which p3 declares; with it, a bar a
user turns on in JupyterLab is drawn as a widget, and so is the one bar no setting turns off:
sentence-transformers' "Computing widget examples" while a trainer starts.)
"""

from __future__ import annotations

import os
import sys


def quiet_progress_bars() -> None:
    """Turn off the progress bars of transformers, huggingface_hub and datasets.

    The environment variables cover libraries not imported yet (they read them on import);
    the calls cover those already imported, e.g. when a cell is run again.

    Example:
        >>> quiet_progress_bars()
        >>> from transformers.utils import logging
        >>> logging.is_progress_bar_enabled()
        False
    """
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"
    from transformers.utils import logging as transformers_logging

    # Also turns off huggingface_hub's bars.
    transformers_logging.disable_progress_bar()
    if "datasets" in sys.modules:
        from datasets.utils import disable_progress_bars

        disable_progress_bars()
