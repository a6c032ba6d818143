"""Making and using fine-tuned models: the recipe, its search, and what a model carries with it.

The training recipe shared by full fine-tuning and LoRA (``train``), its settings and the
record a run leaves (``record``), its trainer callbacks (``callbacks``), saving a model with its
reload check (``saving``), LoRA's learning-rate search on validation (``rate_search``), the ONNX
export the widget runs (``export``), model cards (``model_card``), scoring new pairs at a
model's validation threshold (``score``), the appendix's studies (the ``experiments`` package,
one module per study and their shared plan) and how training quantities are written
(``formatting``). It may import ``p3lib.evaluation``, ``p3lib.data`` and ``p3lib.store``.
"""
