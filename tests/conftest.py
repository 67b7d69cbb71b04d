import os

# The command line turns an unexpected exception into one line for a user; tests want the
# traceback (tests/cli/test_edges.py checks the one line with this unset).
os.environ.setdefault("NVBENCH_DEBUG", "1")

from hypothesis import HealthCheck, settings

# The first call of a kernel may compile it: no per-example deadline.
settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.too_slow]
)
# Without the JIT every kernel runs as Python: fewer examples keep that pass short.
settings.register_profile(
    "nojit", deadline=None, max_examples=15, suppress_health_check=[HealthCheck.too_slow]
)
_profile = os.environ.get("NVBENCH_HYPOTHESIS_PROFILE")
if _profile is None and os.environ.get("NUMBA_DISABLE_JIT") == "1":
    _profile = "nojit"
settings.load_profile(_profile or "default")
