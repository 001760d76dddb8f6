"""One way through: every way a run starts (the command line, in memory or with a Dagster home,
a run launched from the UI, the schedule) takes the same fetch and the same framing. The
machinery only an in-memory run took (a fetch begun in a process of its own, frames prepared on
a thread and handed over in process globals, a landing order for them) is gone, and stays gone.

The modules are forbidden by an import-linter contract (``gone``, in pyproject.toml, of
``tests/support/gone_contract.py``); this test holds the names, which no import graph shows."""

from __future__ import annotations

import re

from tests.conftest import ROOT

GONE_MODULES = ("pipeline/fetch/early.py", "pipeline/fetch/early_process.py",
                "pipeline/transforms/prepared.py")  # fmt: skip
GONE_NAMES = ("LANDING_ORDER", "_in_memory", "frame_later", "start_process")


def test_no_memory_only_module_is_back():
    assert not [m for m in GONE_MODULES if (ROOT / m).exists()]
    assert not list((ROOT / "pipeline" / "fetch").glob("early*.py"))


def test_no_memory_only_name_is_back():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in [*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "assets").rglob("*.py")]
        for name in GONE_NAMES
        if re.search(rf"\b{name}\b", path.read_text())
    ]
    assert not found, found
