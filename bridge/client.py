"""The bridge's link to the web: frames of ``wire.contract`` over HTTP."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, TypeVar

import httpx
import msgspec

from wire import contract as c

log = logging.getLogger(__name__)

F = TypeVar("F", bound=msgspec.Struct)


class LinkError(Exception):
    """The web could not be reached, or answered something unusable; retry later."""


class LinkRefusedError(LinkError):
    """The web refused what we sent (bad token, bad frame): retrying the same will not help."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class LinkFailedError(LinkError):
    """The web failed on what we sent (5xx). ``retry_later``: it said the fault is its own
    and passing (503: database busy, disk full), so the frame is not to blame."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"web error {status} {code}: {message}")
        self.status = status
        self.code = code

    @property
    def retry_later(self) -> bool:
        return self.status == 503


def _refusal(status: int, body: bytes) -> LinkError:
    """The error for a 4xx (refused) or 5xx (failed) answer, with the web's code."""
    try:
        err = msgspec.json.decode(body, type=c.LinkError)
        code, message = err.code, err.message
    except msgspec.DecodeError:
        code, message = "http_error", body[:200].decode(errors="replace")
    if status >= 500:
        return LinkFailedError(status, code, message)
    return LinkRefusedError(status, code, message)


class AppClient:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            },
            timeout=timeout,
        )

    async def _call(
        self,
        method: str,
        path: str,
        answer: type[F],
        frame: msgspec.Struct | None = None,
        params: dict[str, Any] | None = None,
        read_timeout: float | None = None,
    ) -> F:
        content = c.encode_frame(frame) if frame is not None else None
        return await self._request(
            method, path, answer, content=content, params=params, read_timeout=read_timeout
        )

    async def _request(
        self,
        method: str,
        path: str,
        answer: type[F],
        *,
        content: bytes | None,
        params: dict[str, Any] | None = None,
        read_timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> F:
        try:
            response = await self._http.request(
                method,
                path,
                content=content,
                params=params,
                headers=headers,
                timeout=read_timeout if read_timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise LinkError(f"web unreachable: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise _refusal(response.status_code, response.content)
        try:
            return c.decode_frame(response.content, answer)
        except c.FrameError as exc:
            log.error("link: refused frame from the web on %s %s: %s", method, path, exc)
            raise LinkError(f"refused frame from the web: {exc}") from exc

    async def send_events(self, events: list[c.Event]) -> int:
        """Hand events to the web; returns the last seq it stored."""
        frame = c.EventBatch(version=c.CONTRACT_VERSION, events=events)
        ack = await self._call("POST", "/bridge/v1/events", c.EventAck, frame)
        return ack.upto

    async def get_work(self, after: int, wait: float) -> c.Work:
        return await self._call(
            "GET",
            "/bridge/v1/outbox",
            c.Work,
            params={"after": after, "wait": wait},
            read_timeout=wait + 10.0,
        )

    async def put_file(self, sha256: str, data: bytes, mimetype: str) -> None:
        """Hand the web a media file (before the event that names it); idempotent."""
        kind = mimetype if mimetype.isascii() and mimetype.isprintable() else ""
        await self._request(
            "PUT",
            f"/bridge/v1/files/{sha256}",
            c.Ok,
            content=data,
            headers={"Content-Type": kind or "application/octet-stream"},
            # a large file on a slow link: about 1 MB/s at worst
            read_timeout=10.0 + len(data) / 1_000_000,
        )

    async def get_file(self, sha256: str) -> bytes:
        """The file an outbound message names, checked against its hash. A file the web
        does not have (or refuses) raises LinkRefusedError; a broken transfer LinkError."""
        path = f"/bridge/v1/files/{sha256}"
        data = bytearray()
        try:
            async with self._http.stream("GET", path, timeout=60.0) as response:
                if response.status_code >= 400:
                    raise _refusal(response.status_code, await response.aread())
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > c.MAX_FILE_BYTES:
                        raise LinkError(f"file {sha256} larger than {c.MAX_FILE_BYTES} bytes")
        except httpx.HTTPError as exc:
            raise LinkError(f"web unreachable: {exc.__class__.__name__}: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise LinkError(f"file {sha256} arrived with another hash")
        return bytes(data)

    async def put_state(self, state: c.DeviceState) -> None:
        await self._call("PUT", "/bridge/v1/state", c.Ok, state)

    async def close(self) -> None:
        await self._http.aclose()
