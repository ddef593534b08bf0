"""`quiet_gc`: no collection inside, the collector left as found, and what was built kept out of the young
generations (moved to the oldest one, or frozen for facts that live to the end of the run)."""

from __future__ import annotations

import gc

import pytest

from gitnad.sources.gcwindow import quiet_gc


@pytest.fixture(autouse=True)
def _collector_restored() -> object:
    was, threshold = gc.isenabled(), gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    (gc.enable if was else gc.disable)()


def test_nested_frozen_windows_freeze_once_at_the_outermost_and_resume_collection() -> None:
    gc.enable()
    frozen = gc.get_freeze_count()
    with quiet_gc(freeze=True):
        assert not gc.isenabled()
        with quiet_gc(freeze=True):
            built = [[i] for i in range(1000)]
        assert not gc.isenabled() and gc.get_freeze_count() == frozen  # the inner window froze nothing
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(built)


@pytest.mark.parametrize("freeze", [False, True], ids=["oldest", "frozen"])
def test_a_caller_that_had_collection_off_keeps_it_off(freeze: bool) -> None:
    gc.disable()
    with quiet_gc(freeze=freeze):
        pass
    assert not gc.isenabled()


def test_the_default_window_leaves_nothing_frozen() -> None:
    gc.enable()
    gc.unfreeze()
    with quiet_gc():
        built = [[i] for i in range(1000)]
    assert (gc.isenabled(), gc.get_freeze_count(), len(built)) == (True, 0, 1000)
