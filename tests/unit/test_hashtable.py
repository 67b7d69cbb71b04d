import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nvbench.fastpath import hashtable as H


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=200))
def test_insert_remove_find_agree_with_a_set(ops):
    # A tiny table (16 slots for 8 records) so probe chains collide and wrap around.
    keys = np.full(8, -1, np.int64)
    slots = np.full(16, -1, np.int32)
    where: dict[int, int] = {}
    free = list(range(8))
    for add, k in ops:
        k *= 16  # keys that share home slots
        if add and k not in where and free:
            r = free.pop()
            keys[r] = k
            H.insert(slots, keys, r)
            where[k] = r
        elif not add and k in where:
            r = where.pop(k)
            H.remove(slots, keys, r)
            keys[r] = -1
            free.append(r)
        for key in range(0, 41 * 16, 16):
            assert H.find(slots, keys, key) == where.get(key, -1)


def test_index_upsert_is_idempotent():
    ix = H.Index(4)
    a = ix.upsert(np.array([7, 9, 7]))
    assert a[0] == a[2] != a[1]
    assert len(ix) == 2
    assert ix.find(np.array([9, 8])).tolist() == [a[1], -1]
