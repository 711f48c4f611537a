"""Each tier folder's ``conftest.py`` marks the tests under it, so ``pytest -m unit`` picks a tier."""

from __future__ import annotations

from pathlib import Path

import pytest


def mark_tier(items: list[pytest.Item], folder: Path, tier: str) -> None:
    """Adds the marker ``tier`` to every collected test below ``folder``.

    ``pytest_collection_modifyitems`` sees every item of the session, not only this folder's."""
    marker = getattr(pytest.mark, tier)
    for item in items:
        if folder in item.path.parents:
            item.add_marker(marker)
