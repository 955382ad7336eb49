"""Garbage-collector settings for a process that holds a large, long-lived trading state.

The core allocates a few short-lived objects per command (events, snapshots) while the
books hold many long-lived ones. CPython's default young-generation threshold of 700
runs a collection every few hundred commands, and each older-generation pass walks every
order on the books. Objects here are freed by reference counting; the collector only has
to find cycles, which the core does not make. So: collect rarely, and after start-up
move the replayed state out of the collector's sight.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 50_000
OLDER_GENERATION_THRESHOLDS = (20, 20)


def tune_garbage_collector() -> None:
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *OLDER_GENERATION_THRESHOLDS)


def freeze_startup_state() -> None:
    """Keeps what exists now (configuration, replayed books) out of every collection."""
    gc.collect()
    gc.freeze()
