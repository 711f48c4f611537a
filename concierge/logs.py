"""Structured logs (one JSON object per line) that hold no personal data.

Residents appear only as :func:`user_ref`, a keyed hash with a per-deployment salt
(``CONCIERGE_LOG_SALT``): lines about one person can be correlated within a deployment, but not
traced back to a Telegram account without the salt. Exceptions are written as their type and stack
of code locations, never their message, because messages can quote what a resident typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import sys
import traceback
from typing import Any, TextIO

from concierge.settings import Settings

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
QUIET = {"aiogram.event": logging.WARNING, "httpx": logging.WARNING, "aiohttp.access": logging.WARNING}


def user_ref(user_id: int, salt: str) -> str:
    return hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


def _stack(exc_info: Any) -> dict[str, Any]:
    kind, _, tb = exc_info
    frames = [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(tb)]
    return {"error": kind.__name__ if kind else "", "stack": frames[-8:]}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            entry.update(_stack(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def salt_of(settings: Settings) -> str:
    return settings.log_salt.get_secret_value() if settings.log_salt else secrets.token_hex(16)


def configure_logging(settings: Settings, stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Root logging for a long-running process (``serve``, ``run``): JSON lines on stderr by default."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
