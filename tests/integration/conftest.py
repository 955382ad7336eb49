from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fix_client import FixClient
from tests.support.venue import Venue


@pytest.fixture
def broker1(venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    yield client
    client.stop()


@pytest.fixture
def broker2(venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    client = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    yield client
    client.stop()
