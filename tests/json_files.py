"""What a result looks like after a trip through p3's JSON files."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from p3lib.store.atomic import round_floats, to_jsonable

M = TypeVar("M", bound=BaseModel)


def as_written(model: M) -> M:
    """``model`` as read back from a file p3 wrote (floats at the written precision)."""
    return type(model).model_validate(round_floats(to_jsonable(model)))
