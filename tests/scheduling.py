"""How pytest-xdist shares the suite among its workers (``scripts/test`` runs it with ``-n``).

A module is the unit of work, because its tests share one kernel (module-scoped fixtures): split
across workers, each would start its own. The browser tests are one unit, in one worker: they
share one JupyterLab and one Chromium, and two browsers at once starve each other's animation
frames, which the tests of the live view count. Units start in the order of the collection,
which puts the browser tests, the longest unit, first (tests/conftest.py): started last, they
would keep one worker busy long after the others have run out of work.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

BROWSER_TESTS = "tests/browser/"


class ModuleScheduling(LoadScopeScheduling):
    """``--dist loadscope`` by module, with every browser test in a single unit."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(BROWSER_TESTS):
            return BROWSER_TESTS
        return nodeid.split("::", 1)[0]

    def schedule(self) -> None:
        # xdist would start the units with the most tests first, not the longest ones
        self.config.option.loadscopereorder = False
        super().schedule()
