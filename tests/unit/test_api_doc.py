"""docs/api.md's examples run as doctests: the Python API page stays true."""

from __future__ import annotations

import doctest

import pytest

from tests.helpers import ROOT


@pytest.mark.slow  # scenario runs
def test_the_api_page_runs_as_written():
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=flags)  # fmt: skip
    assert result.attempted >= 15
    assert result.failed == 0
