"""Where the tests' files are, in one place, so a test module can live in any tier folder."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
"""The repository."""
DATA = TESTS / "data"
BROWSER = TESTS / "browser"
"""The npm packages of the widget's browser tests (``npm ci --prefix tests/browser``)."""
ARTIFACTS = TESTS / "artifacts"
"""Screenshots and other output a person may want to look at; ignored by git."""
