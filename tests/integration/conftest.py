from __future__ import annotations

from tests.support.logged_on import logged_on

broker1 = logged_on("BROKER1")
broker2 = logged_on("BROKER2")
dc_brk1 = logged_on("DC-BRK1")
dc_all = logged_on("DC-ALL")
