"""The cycle collector as run.py tunes it for serving (workshop.collector)."""

import gc
import weakref

from workshop import collector


class Node:
    pass


def test_tuning_freezes_what_exists_raises_the_thresholds_and_still_frees_cycles():
    thresholds = gc.get_threshold()
    try:
        collector.tune()
        assert gc.get_freeze_count() > 10_000  # this test process's modules, at least
        assert gc.get_threshold() == collector.THRESHOLDS
        assert collector.THRESHOLDS[0] > thresholds[0]
        # Garbage in a reference cycle made afterwards is still found by the collector.
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # reference counting alone cannot free a cycle
        gc.collect(0)
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
