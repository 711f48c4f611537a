"""Writes the Mermaid diagrams of the owners' declared machines from their tables.

``python -m concierge.owners.diagrams`` rewrites them; ``--check`` only says whether they are up to date
(exit 1 when not). Tests compare the committed files with :func:`generated` too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from concierge.owners import flow, machine, router

HERE = Path(__file__).parent
MACHINES = {"flow.mmd": flow.MACHINE, "modes.mmd": router.MODES}


def generated() -> dict[Path, str]:
    return {HERE / name: machine.mermaid(table) for name, table in MACHINES.items()}


def main(argv: list[str]) -> int:
    stale = [
        path for path, text in generated().items() if not path.exists() or path.read_text("utf-8") != text
    ]
    if "--check" in argv:
        for path in stale:
            print(f"{path.name} is out of date: run python -m concierge.owners.diagrams", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated().items():
        if path in stale:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
