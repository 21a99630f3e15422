"""The bridge link over HTTP: one device token per bridge, frames of the versioned contract."""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from appliance.areas.bridge_api import service
from appliance.areas.devices.tasks import trigger_job
from appliance.areas.files.serve import file_response
from appliance.areas.files.store import FileWriter, file_path, is_sha
from appliance.areas.messages.ingest import apply_events
from appliance.core.errors import AppError
from appliance.http.deps import jobs_of
from appliance.http.live import ChatChanges, hub_of
from appliance.http.runtime import Runtime
from wire import contract as c

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 30.0
# SQLite's primary result codes for the database's own passing faults (busy, locked, out of
# memory, I/O error, disk full): a frame that met one is not to blame, the bridge retries it.
_PASSING_FAULTS = {5, 6, 7, 10, 13}
# The outbox poll also looks at the database this often, for jobs other processes made ready.
RECHECK_SECONDS = 0.25


def _link(request: Request[Any, Any, Any]) -> service.LinkSignals:
    signals: service.LinkSignals = request.app.state.link
    return signals


def _refuse(status: int, code: str, message: str) -> Response[Any]:
    return Response(
        c.encode_frame(c.LinkError(code=code, message=message)),
        status_code=status,
        media_type="application/json",
    )


def _passing_fault(exc: Exception) -> bool:
    return (
        isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF in _PASSING_FAULTS
    )


def _ok(frame: Any) -> Response[Any]:
    return Response(c.encode_frame(frame), media_type="application/json")


async def _device(request: Request[Any, Any, Any], runtime: Runtime) -> int | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    signals = _link(request)
    hit, device_id = signals.cached_device(token)
    if not hit:
        device_id = await runtime.db.read(service.device_of_token, token)
        signals.remember(token, device_id)
    return device_id


async def _frame(request: Request[Any, Any, Any], kind: type[Any], device_id: int) -> Any:
    """The decoded frame, or a Response refusing it (logged with the reason)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > c.MAX_FRAME_BYTES:
        log.warning("bridge link: device %s sent a frame of %s bytes: refused", device_id, length)
        return _refuse(413, "bridge.frame_too_large", f"frame exceeds {c.MAX_FRAME_BYTES} bytes")
    body = await request.body()
    try:
        return c.decode_frame(body, kind)
    except c.FrameError as exc:
        log.warning("bridge link: refused frame from device %s: %s", device_id, exc)
        status = 413 if exc.code == "frame_too_large" else 400
        return _refuse(status, f"bridge.{exc.code}", str(exc))


_BAD_TOKEN = ("bridge.bad_token", "device token refused")


async def _disconnected(request: Request[Any, Any, Any]) -> None:
    """Returns when the bridge hangs up (a long poll then ends at once)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


class BridgeController(Controller):
    path = "/bridge/v1"
    tags = ["bridge"]
    include_in_schema = False

    @post("/events", status_code=200)
    async def events(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Response[Any]:
        device_id = await _device(request, runtime)
        if device_id is None:
            log.warning("bridge link: wrong device token from %s", request.client)
            return _refuse(401, *_BAD_TOKEN)
        batch = await _frame(request, c.EventBatch, device_id)
        if isinstance(batch, Response):
            return batch
        if not batch.events:
            return _ok(c.EventAck(version=c.CONTRACT_VERSION, upto=0))
        # The bridge forgets what is acknowledged: the frame is on the disk before the ack.
        try:
            changes = await runtime.db.write_durable(
                apply_events, device_id, batch.events, runtime.settings.files_dir
            )
        except Exception as exc:
            if _passing_fault(exc):
                log.warning("bridge link: frame of device %s not stored yet: %s", device_id, exc)
                return _refuse(503, "bridge.retry_later", f"database unavailable: {exc}")
            # The bridge counts these per event and sets aside one that keeps failing.
            log.exception("bridge link: storing a frame of device %s failed", device_id)
            return _refuse(500, "bridge.event_failed", f"{type(exc).__name__}: {exc}"[:500])
        hub = hub_of(request.app)
        await hub.publish_chats(
            ChatChanges(
                chats=changes.chats,
                received=changes.received,
                sent=changes.sent,
                statuses=changes.statuses,
                removed_chats=changes.removed_chats,
            )
        )
        # Older messages from the phone: the chat is announced again on its own, so a
        # conversation that also got live messages in this frame reloads and shows them.
        if again := changes.history_chats & changes.live_chats:
            await hub.publish_chats(ChatChanges(chats=again))
        if changes.device_changed:
            hub.device_changed()
        return _ok(c.EventAck(version=c.CONTRACT_VERSION, upto=max(e.seq for e in batch.events)))

    @get("/outbox")
    async def outbox(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        after: FromQuery[int] = 0,
        wait: FromQuery[float] = 0.0,
    ) -> Response[Any]:
        device_id = await _device(request, runtime)
        if device_id is None:
            return _refuse(401, *_BAD_TOKEN)
        if not 0 <= after < 2**63:
            return _refuse(400, "bridge.bad_query", "after: an outbox id from 0 to 2^63 - 1")
        if not math.isfinite(wait):
            return _refuse(400, "bridge.bad_query", "wait: a number of seconds")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(wait, MAX_WAIT_SECONDS))
        signal = _link(request).event(device_id)
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            while True:
                signal.clear()
                if await runtime.db.read(service.has_work, device_id, after):
                    work = await runtime.db.write(service.next_work, device_id, after)
                    if work.outbound or work.commands:
                        return _ok(work)
                remaining = deadline - loop.time()
                if remaining <= 0 or gone.done():
                    return _ok(c.Work(version=c.CONTRACT_VERSION))
                woken = asyncio.ensure_future(signal.wait())
                await asyncio.wait(
                    {woken, gone},
                    timeout=min(remaining, RECHECK_SECONDS),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                woken.cancel()
        finally:
            gone.cancel()

    @put("/state")
    async def state(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Response[Any]:
        device_id = await _device(request, runtime)
        if device_id is None:
            return _refuse(401, *_BAD_TOKEN)
        frame = await _frame(request, c.DeviceState, device_id)
        if isinstance(frame, Response):
            return frame
        job_id = await runtime.db.write(service.set_device_state, device_id, frame)
        if job_id is not None:
            trigger_job(jobs_of(request.app), job_id)
        hub_of(request.app).device_changed()
        return _ok(c.Ok(version=c.CONTRACT_VERSION))

    @get("/files/{sha256:str}")
    async def outbound_file(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        sha256: FromPath[str],
    ) -> Response[Any]:
        """The file of one of this device's outbound messages, for the phone to send. Any
        other file is 404: a device token reaches only what its own messages name."""
        device_id = await _device(request, runtime)
        if device_id is None:
            return _refuse(401, *_BAD_TOKEN)
        if not is_sha(sha256):
            return _refuse(400, "bridge.bad_sha", "not a SHA-256 in lowercase hex")
        found = await runtime.db.read(service.outbound_file, device_id, sha256)
        if found is None:
            return _refuse(404, "bridge.no_file", "no outbound message of this device names it")
        try:
            return await asyncio.to_thread(
                file_response, runtime.settings.files_dir, sha256, found["size"], found["mime"]
            )
        except AppError as exc:
            return _refuse(exc.status, f"bridge.{exc.code}", exc.message)

    @put("/files/{sha256:str}", request_max_body_size=c.MAX_FILE_BYTES + 1)
    async def file(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        sha256: FromPath[str],
    ) -> Response[Any]:
        """A media file of a message, by its hash: kept once, whatever the number of uploads."""
        device_id = await _device(request, runtime)
        if device_id is None:
            return _refuse(401, *_BAD_TOKEN)
        if not is_sha(sha256):
            return _refuse(400, "bridge.bad_sha", "not a SHA-256 in lowercase hex")
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > c.MAX_FILE_BYTES:
            log.warning("bridge link: device %s offered a file of %s bytes", device_id, length)
            return _refuse(413, "bridge.file_too_large", f"file exceeds {c.MAX_FILE_BYTES} bytes")
        path = file_path(runtime.settings.files_dir, sha256)
        if not (path.exists() and await runtime.db.read(service.file_known, sha256)):
            writer = await asyncio.to_thread(
                FileWriter, runtime.settings.files_dir, c.MAX_FILE_BYTES
            )
            try:
                async for chunk in request.stream():
                    writer.write(chunk)
                await asyncio.to_thread(writer.commit, sha256)
            except AppError as exc:
                log.warning("bridge link: file %s of device %s refused: %s", sha256, device_id, exc)
                return _refuse(exc.status, f"bridge.{exc.code}", exc.message)
            finally:
                writer.abort()
        mime = request.headers.get("content-type", "")
        size = path.stat().st_size
        chats = await runtime.db.write(service.record_upload, device_id, sha256, size, mime)
        if chats:
            await hub_of(request.app).publish_chats(ChatChanges(chats=chats))
        return _ok(c.Ok(version=c.CONTRACT_VERSION))
