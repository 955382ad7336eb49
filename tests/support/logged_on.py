"""Fixtures of FIX clients logged on to a test's venue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.fix_client import FixClient
from tests.support.venue import Venue


def logged_on(sender: str) -> Callable[..., Iterator[FixClient]]:
    """A fixture: a FIX client for `sender`, logged on to the test's venue."""

    @pytest.fixture
    def client(venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
        session = FixClient(sender=sender, port=venue.port, work_dir=tmp_path).start()
        yield session
        session.stop()

    return client
