"""The examples in p3lib's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import p3lib

MODULES = sorted(info.name for info in pkgutil.walk_packages(p3lib.__path__, prefix="p3lib."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
