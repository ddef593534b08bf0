"""Session-wide test settings: the hypothesis profiles of the property-based fuzz suite (tests/fuzz).

`ci` (the default) is deterministic and bounded so `.ci/run` stays fast and gives the same verdict every run:
derandomized examples, a fixed budget per property, a per-example deadline, no example database written into
the work tree. `long` is for deeper local runs: `pytest tests/fuzz --hypothesis-profile long` (random, ten
times the examples). Registered here, the root conftest, because hypothesis loads `--hypothesis-profile`
before conftests below the root are read.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=150,
    deadline=timedelta(seconds=5),
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=1500,
    deadline=timedelta(seconds=20),
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")
