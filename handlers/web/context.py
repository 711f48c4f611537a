"""What every handler shares: the app key, JSON errors, language choice, CORS and rate limiting."""

from __future__ import annotations

import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from concierge.app import App
from concierge.i18n import LANGUAGES, normalise_language
from handlers.web.ratelimit import RateLimiter, client_key

APP = web.AppKey("concierge_app", App)
LIMITER = web.AppKey("rate_limiter", RateLimiter)
NOT_FOUND_PAGE: web.AppKey[Callable[[str], web.StreamResponse]] = web.AppKey("not_found_page")
"""The HTML page for a 404 on GET, in a language; the pages module registers it (this module, which
every handler imports, cannot import the pages)."""

JSON_PREFIXES = ("/api/", "/qr/", "/digest", "/telegram/")
REQUEST_LIMITS = {"max_line_size": 64 * 1024, "max_field_size": 64 * 1024}
"""Options for the aiohttp runner (``concierge serve`` and the tests): a request line or header up to
64 KiB reaches the app, so a too-long question gets the API's own JSON error (with CORS headers) rather
than aiohttp's plain-text 400 from its parser, which no middleware sees. Bodies are capped by the app's
``client_max_size``; that refusal (413) is JSON too."""
LIMITED_PREFIXES = ("/api/", "/qr/", "/digest")
CORS_PREFIXES = ("/api/", "/widget", "/qr/")

log = logging.getLogger("concierge.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """A client error the API reports as ``{"error": {"code", "message"}}``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def json_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    431: "headers_too_large",
    414: "uri_too_long",
    429: "rate_limited",
}


def _wants_json(request: web.Request, status: int) -> bool:
    """JSON for every rejection except a page's 404 on GET, which gets the translated HTML page."""
    return (
        request.path.startswith(JSON_PREFIXES)
        or request.query.get("format") == "json"
        or status != 404
        or request.method not in ("GET", "HEAD")
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Client errors become JSON on the API; an unexpected failure is logged, never shown as a traceback."""
    if request.path.startswith(LIMITED_PREFIXES) and request.method != "OPTIONS":
        client = client_key(
            request.remote,
            request.headers.get("X-Forwarded-For", ""),
            request.app[APP].settings.trusted_proxies,
        )
        wait = await request.app[LIMITER].acquire(client)
        if wait > 0:
            return json_error(
                429,
                "rate_limited",
                "Too many requests; slow down.",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
    try:
        return await handler(request)
    except BadRequest as exc:
        return json_error(exc.status, exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status >= 400 and _wants_json(request, exc.status):
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            return json_error(exc.status, _HTTP_CODES.get(exc.status, "error"), exc.reason, allow)
        not_found_page = request.app.get(NOT_FOUND_PAGE)
        if exc.status == 404 and request.method in ("GET", "HEAD") and not_found_page is not None:
            return not_found_page(request_language(request, request.app[APP].settings.default_language))
        raise
    except Exception:
        log.exception("unexpected error on %s", request.path)
        if _wants_json(request, 500):
            return json_error(500, "internal", "Something went wrong on our side.")
        raise web.HTTPInternalServerError(text="Something went wrong on our side.") from None


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS for embeds (read-only, any origin) and a few safe defaults on every response."""
    cors = request.path.startswith(CORS_PREFIXES)
    if cors and request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    if cors:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Authorization"
        response.headers["Access-Control-Max-Age"] = "86400"
        response.headers["Timing-Allow-Origin"] = "*"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def accept_language(header: str) -> str | None:
    """The best of our languages in an ``Accept-Language`` header, by its q-values."""
    best: tuple[float, str] | None = None
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and quality > 0 and (best is None or quality > best[0]):
            best = (quality - index * 1e-6, code)
    return best[1] if best else None


def request_language(request: web.Request, default: str, asked: str | None = None) -> str:
    """``asked`` (default: ``?lang=``) when it is one of ours, else Accept-Language, else the default."""
    asked = request.query.get("lang", "") if asked is None else asked
    if asked and normalise_language(asked, "") in LANGUAGES:
        return normalise_language(asked, default)
    return accept_language(request.headers.get("Accept-Language", "")) or default


def query_float(request: web.Request, name: str, low: float, high: float) -> float | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest("bad_parameter", f"{name} must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest("bad_parameter", f"{name} must be between {low:g} and {high:g}")
    return value


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    return parse_int(request.query.get(name), name, default, low, high)


def parse_int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("bad_parameter", f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest("bad_parameter", f"{name} must be between {low} and {high}")
    return value


def query_position(request: web.Request) -> tuple[float, float] | None:
    lat = query_float(request, "lat", -90, 90)
    lon = query_float(request, "lon", -180, 180)
    if (lat is None) != (lon is None):
        raise BadRequest("bad_parameter", "give both lat and lon, or neither")
    return (lat, lon) if lat is not None and lon is not None else None


def require_token(request: web.Request, who: str, *tokens: SecretStr | None) -> None:
    """Passes when the request carries ``Authorization: Bearer <one of tokens>``; else a JSON 401 (403
    when no token is configured, so the endpoint is switched off)."""
    secrets = [token.get_secret_value().encode() for token in tokens if token and token.get_secret_value()]
    if not secrets:
        raise BadRequest(
            "disabled", f"this endpoint needs a {who} token, and none is configured on this server", 403
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not any(hmac.compare_digest(given.strip().encode(), s) for s in secrets):
        raise BadRequest("unauthorized", f"a {who} token is required (Authorization: Bearer <token>)", 401)


def base_url(app: App) -> str:
    return app.settings.public_url.rstrip("/")


def json_response(data: Any, status: int = 200, max_age: int = 0) -> web.Response:
    """``max_age`` > 0 lets browsers and caches in front of the app keep a public answer that long."""
    cache = f"public, max-age={max_age}" if max_age > 0 else "no-store"
    return web.json_response(data, status=status, dumps=_dumps, headers={"Cache-Control": cache})


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
