"""`concierge ask` end to end: the console script, a real SQLite file and the bundled demo neighbourhood."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def concierge(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('ask')}/demo.db"


def test_ask_json_on_the_demo_neighbourhood(db: str) -> None:
    done = concierge("ask", "waar kan ik croissants kopen?", "--json", "--db", db, "--limit", "3")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["language"] == "nl"
    assert answer["understood"]["what"]
    assert 1 <= len(answer["results"]) <= 3
    assert all("shop=bakery" in r["categories"] or r["matched"] for r in answer["results"])


def test_ask_text_prints_a_short_list(db: str) -> None:
    done = concierge("ask", "bike repair", "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(("1.", "Searching"))


def test_batch_answers_each_line_in_order_and_marks_bad_lines(db: str, tmp_path: Path) -> None:
    lines = [
        json.dumps({"q": "croissants", "near": [52.38, 4.64], "lang": "nl"}),
        "{not json",
        json.dumps({"q": "bike repair"}),
        json.dumps({"q": "x", "near": [200, 5]}),
    ]
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = concierge("ask", "--batch", str(batch), "--db", db)
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["query"] == "croissants" and out[2]["query"] == "bike repair"
    assert "error" in out[1] and "error" in out[3]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "brood", "--near", "91,5"),
        ("ask", "brood", "--near", "abc"),
        ("ask", "--batch", "/no/such/file.jsonl"),
        ("ask",),
        ("ask", "brood", "--limit", "0"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(db: str, args: tuple[str, ...]) -> None:
    done = concierge(*args, "--db", db)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_bad_database_url_is_one_line() -> None:
    done = concierge("ask", "brood", "--db", "nosuchdb://x")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
