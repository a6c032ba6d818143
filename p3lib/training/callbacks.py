"""The trainer callbacks p3 adds to the sentence-transformers recipe.

The best validation checkpoint is kept in memory rather than written to disk at each evaluation
(:class:`BestStateCallback`), the last step is always evaluated (:class:`FinalEvaluationCallback`),
each epoch is timed (:class:`EpochTimerCallback`), and a side-by-side chapter follows the share of
the cores ``p3 run`` gives it (:class:`ThreadShareCallback`). Imported by
:func:`p3lib.training.train.train` only when it trains, since it imports PyTorch and transformers.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import torch
from transformers import TrainerCallback

from p3lib.training.record import Evaluation


class BestStateCallback(TrainerCallback):
    """Keeps a copy of the trainable weights at the best validation score so far.

    Only trainable parameters change during training, so for LoRA only the adapter is
    copied. Ties keep the earlier step.
    """

    def __init__(self, metric_key: str, evaluator_name: str) -> None:
        self.metric_key = metric_key
        self.evaluator_name = evaluator_name
        self.evaluations: list[Evaluation] = []
        self.best_score = -math.inf
        self.best_step = -1
        self.best_epoch = 0.0
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
        prefix = f"eval_{self.evaluator_name}_"
        self.evaluations.append(
            Evaluation(
                step=state.global_step,
                epoch=float(state.epoch or 0.0),
                spearman_cosine=float(metrics[f"{prefix}spearman_cosine"]),
                pearson_cosine=float(metrics[f"{prefix}pearson_cosine"]),
            )
        )
        score = float(metrics[self.metric_key])
        if math.isnan(score):  # constant similarities (e.g. a collapsed model) rank last
            score = -math.inf
        if self.best_state is None or score > self.best_score:
            self.best_score = score
            self.best_step = state.global_step
            self.best_epoch = float(state.epoch or 0.0)
            self.best_state = {
                name: parameter.detach().clone()
                for name, parameter in model.named_parameters()
                if parameter.requires_grad
            }

    def restore(self, model) -> None:
        if self.best_state is None:
            raise RuntimeError("no evaluation ran, so there is no best checkpoint to restore")
        parameters = dict(model.named_parameters())
        with torch.no_grad():
            for name, value in self.best_state.items():
                parameters[name].copy_(value)


class FinalEvaluationCallback(TrainerCallback):
    """Evaluates at the last step too, so the end of training is always a candidate."""

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:
            control.should_evaluate = True
        return control


class ThreadShareCallback(TrainerCallback):
    """Follows the thread share ``p3 run`` writes for side-by-side chapters, if any.

    ``path`` is the file named by :data:`p3lib.training.train.THREAD_SHARE_VARIABLE` (``None``
    or empty: not a side-by-side chapter).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.changes: list[tuple[int, int]] = []

    def on_step_begin(self, args, state, control, **kwargs):
        if not self.path:
            return
        try:
            threads = int(Path(self.path).read_text().strip())
        except (OSError, ValueError):
            return  # no share (the runner is done with it): keep what we have
        if threads >= 1 and threads != torch.get_num_threads():
            torch.set_num_threads(threads)
            self.changes.append((state.global_step, threads))


class EpochTimerCallback(TrainerCallback):
    """The wall seconds of each epoch."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_epoch_end(self, args, state, control, **kwargs):
        self.seconds.append(time.perf_counter() - self._start)
