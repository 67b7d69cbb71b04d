"""Behaviour fingerprint: every shipped scenario and the NAT reference cloud give, for the
same seed, exactly the result tables stored in ``tests/golden/tables/`` (see tables.py for
where they came from). A change that moves code around must leave them identical."""

from __future__ import annotations

import pytest

from tests.golden import tables


# Minutes a case with the kernels as plain Python (CI's NUMBA_DISABLE_JIT pass skips slow
# cases); the compiled pass checks them all. Plain Python gives the same tables (checked by
# hand on default and nat_cloud when this was written).
@pytest.mark.slow
@pytest.mark.parametrize("case", tables.cases())
def test_tables_unchanged(case):
    want, got = tables.stored(case), tables.tables(case)
    assert sorted(got) == sorted(want)
    for name, t in got.items():
        t = t.replace_schema_metadata(None)
        assert t.schema == want[name].schema, (case, name)
        assert t.to_pylist() == want[name].to_pylist(), (case, name)


def test_every_case_is_stored():
    assert sorted(p.name for p in tables.STORE.iterdir()) == sorted(tables.cases())
