"""Guards in front of every endpoint: bearer token, request-size limit, upload checks.

- With a token set, every endpoint but /api/health and the static page needs
  `Authorization: Bearer TOKEN` (compared in constant time); else 401.
- Request bodies larger than `max_body_bytes` are refused with 413 before they are read whole
  (Content-Length when given, a running count for chunked bodies).
- Uploaded images: only PNG / JPEG / WebP by content (magic bytes), not by the name or the
  declared type; their pixel count is checked from the header before decoding (decompression
  bombs), and they are stored under generated names in the server's own folder.
"""

from __future__ import annotations

import io
import json
import secrets

from fastapi import HTTPException, Request
from PIL import Image

ALLOWED_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def require_token(expected: str | None):
    """A FastAPI dependency: 401 unless the request carries `Authorization: Bearer <expected>`."""

    def check(request: Request) -> None:
        if not expected:
            return
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), expected.encode()):
            raise HTTPException(401, "missing or wrong token: send the header 'Authorization: Bearer <token>' "
                                     "with the token the server was started with",
                                headers={"WWW-Authenticate": "Bearer"})

    return check


class BodySizeLimit:
    """ASGI middleware answering 413 to bodies over `limit` bytes."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._reject(send)
        seen = 0
        too_big = False

        async def limited_receive():
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_big = True
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send) -> None:
        body = json.dumps({"error": f"request body over {self.limit // (1024 * 1024)} MiB: send a smaller file "
                                    f"(resize photos to a few megapixels)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def check_image_upload(data: bytes, max_pixels: int) -> tuple[str, tuple[int, int]]:
    """Validate an uploaded image by content: returns (format, (width, height)) or raises HTTPException.

    415 for anything that is not a PNG / JPEG / WebP image, 413 for more than `max_pixels` pixels.
    """
    if not data:
        raise HTTPException(422, "the upload is empty: attach a PNG, JPEG or WebP photo")
    try:
        with Image.open(io.BytesIO(data)) as im:  # reads the header only
            fmt, size = im.format, im.size
    except Exception:  # noqa: BLE001 - any decoder error means "not an image we accept"
        raise HTTPException(415, "the upload is not a readable image: send a PNG, JPEG or WebP photo") from None
    if fmt not in ALLOWED_IMAGE_TYPES:
        raise HTTPException(415, f"{fmt} images are not accepted: send a PNG, JPEG or WebP photo")
    if size[0] * size[1] > max_pixels:
        raise HTTPException(413, f"the image is {size[0]}x{size[1]} pixels, over the {max_pixels // 1_000_000} MP "
                                 f"limit: resize it first")
    return fmt, size
