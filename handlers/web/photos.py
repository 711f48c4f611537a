"""``/b/<id>/photo``: a business's photo for its page, JSON-LD ``image`` and link previews.

Owners send their photo in Telegram, so the catalogue keeps Telegram's file id, never the bytes. This
route fetches the file once through the Bot API (``getFile``, then the file URL under
``CONCIERGE_TELEGRAM_API_URL``) and keeps a few recent ones in memory, served with an ETag and a day of
caching. A photo given as an ``https://`` URL is linked directly and needs no route. Without a bot
token, or when Telegram does not have the file, the answer is a 404.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict

import aiohttp
from aiohttp import web

from catalog.jsonld import exportable
from handlers.web.context import APP, BadRequest

MAX_BYTES = 5 * 1024 * 1024
KEEP = 64
CACHE = "public, max-age=86400"
log = logging.getLogger(__name__)

Photo = tuple[bytes, str, str]
"""(bytes, content type, ETag)"""

PHOTOS = web.AppKey("photos", OrderedDict)


def _content_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


async def _download(api_url: str, token: str, file_id: str) -> bytes | None:
    timeout = aiohttp.ClientTimeout(total=20)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{api_url}/bot{token}/getFile", params={"file_id": file_id}) as response:
            found = await response.json(content_type=None)
        if not isinstance(found, dict) or not found.get("ok"):
            return None
        path = found["result"].get("file_path")
        if not path or int(found["result"].get("file_size") or 0) > MAX_BYTES:
            return None
        async with session.get(f"{api_url}/file/bot{token}/{path}") as response:
            if response.status != 200:
                return None
            data = await response.content.read(MAX_BYTES + 1)
    return data if 0 < len(data) <= MAX_BYTES else None


async def photo(request: web.Request) -> web.Response:
    app = request.app[APP]
    business = app.search.business(request.match_info["id"])
    token = app.settings.bot_token
    if business is None or not exportable(business) or not business.photo or token is None:
        raise BadRequest("not_found", "no photo here", 404)
    if business.photo.startswith(("https://", "http://")):
        raise web.HTTPFound(business.photo)
    cache: OrderedDict[str, Photo] = request.app[PHOTOS]
    found = cache.get(business.photo)
    if found is None:
        try:
            data = await _download(app.settings.telegram_api_url, token.get_secret_value(), business.photo)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
            log.warning("photo of %s could not be fetched", business.id, exc_info=True)
            data = None
        if data is None or not _content_type(data).startswith("image/"):
            raise BadRequest("not_found", "no photo here", 404)
        found = (data, _content_type(data), '"' + hashlib.sha256(data).hexdigest()[:32] + '"')
        cache[business.photo] = found
        while len(cache) > KEEP:
            cache.popitem(last=False)
    cache.move_to_end(business.photo)
    data, content_type, etag = found
    headers = {"Cache-Control": CACHE, "ETag": etag}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, content_type=content_type, headers=headers)


def setup(web_app: web.Application) -> None:
    web_app[PHOTOS] = OrderedDict()
    web_app.router.add_get("/b/{id}/photo", photo)
