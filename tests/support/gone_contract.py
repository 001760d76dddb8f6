"""An import-linter contract type: modules that are gone stay gone.

import-linter's own contracts stop at a module that does not exist, so they cannot forbid one
that was deleted. This one fails when any module matching its patterns (``fnmatch``, on the
dotted name) is back in the graph of the root packages.
"""

from __future__ import annotations

from fnmatch import fnmatch

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class GoneContract(Contract):
    """``modules``: dotted names or patterns, such as ``pipeline.fetch.early*``."""

    modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        back = sorted(
            m for m in graph.modules for pattern in self.modules if fnmatch(m, str(pattern))
        )
        return ContractCheck(kept=not back, metadata={"back": back})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module in check.metadata["back"]:
            output.print_error(f"{module} is back; it was removed on purpose.")
            output.new_line()
