"""The bridge runner: owns the phone's connection states, the retries, the journal pump,
the outbound sends and the commands the web hands over.

    driver.events() ─► journal ─► PUT /bridge/v1/files/{sha256} (media) ─► POST /bridge/v1/events
                   ─► ack ─► drop from journal
    GET /bridge/v1/outbox ─► driver.send() (in outbox order) ─► journal "sent" ─► ...

The runner never asks the driver for the next event before the current one is journaled,
and never sends an outbound message before the previous one is handed to the phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import assert_never

from bridge.client import AppClient, LinkError, LinkFailedError, LinkRefusedError
from bridge.journal import SYNC_SECONDS, Journal
from bridge.protocol import (
    BannedError,
    Capability,
    DeviceInfo,
    DeviceSetupError,
    DeviceUnavailableError,
    DriverError,
    DriverState,
    IdentityEvent,
    InboundEvent,
    LoggedOutError,
    Media,
    MessageEvent,
    MessageKind,
    NotSupportedError,
    OutboundMessage,
    Pairing,
    PhoneDriver,
    PhoneQueueEvent,
    ReceiptEvent,
)
from wire import contract as c

log = logging.getLogger(__name__)

POLL_WAIT_SECONDS = 25.0
HEARTBEAT_SECONDS = 10.0
STATUS_POLL_SECONDS = 2.0
MAX_PHOTO_BYTES = c.MAX_PHOTO_BYTES
NEEDS_ATTENTION_RETRY_SECONDS = 60.0
# Long enough for the web to show "logged out" before the new QR code replaces it.
RELINK_SECONDS = 3.0
UNLINKED = "o WhatsApp desconectou este aparelho: pareie de novo"
_KINDS = {k.value for k in MessageKind}
# Times the web may fail (5xx) on one event before it is set aside and the link goes on.
# The web answers 503 for its own passing faults (database busy, disk full), which are not
# counted; any other 5xx on an event sent alone is a bug or data it cannot store, and five
# tries (about 6 s of backoff) ride out a web restarting mid-request.
MAX_FAILURES = 5
# Shown beside "ready" while the phone is connected but has no signal (its queue grows).
NO_SIGNAL = "celular sem sinal"


# The capability each command of the web needs of the driver.
COMMAND_NEEDS: dict[type[c.Command], Capability] = {
    c.SyncCommand: Capability.HISTORY,
    c.RecheckCommand: Capability.RECHECK,
    c.PhotoCommand: Capability.PHOTOS,
}


class Backoff:
    """Exponential delays with jitter, from ``first`` up to ``cap`` seconds."""

    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first, self.cap, self._next = first, cap, first

    def reset(self) -> None:
        self._next = self.first

    def next(self) -> float:
        delay = self._next
        self._next = min(self.cap, self._next * 2)
        return delay * random.uniform(0.8, 1.2)


def media_file(event: InboundEvent) -> tuple[str, bytes] | None:
    """The (SHA-256, bytes) of a message's media file, when the driver has the bytes and
    they are within the link's limit."""
    if not isinstance(event, MessageEvent) or event.media is None or event.media.data is None:
        return None
    data = event.media.data
    if len(data) > c.MAX_FILE_BYTES:
        log.warning(
            "media of message %s too large (%d bytes): it goes without its file",
            event.wa_id,
            len(data),
        )
        return None
    return hashlib.sha256(data).hexdigest(), data


def journal_entries(
    events: list[InboundEvent], history: bool | None = None
) -> tuple[list[c.Event], dict[str, bytes]]:
    """Driver events as contract events, with the media files they name by hash."""
    files = dict(f for e in events if (f := media_file(e)) is not None)
    return [to_contract(e, history) for e in events], files


# C0 controls but tab and line feeds: the contract refuses them in texts.
_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_CONTROLS[0x7F] = None


def _clean(text: str, limit: int) -> str:
    """A driver's text within the contract: control characters dropped, cut at ``limit``."""
    return text.translate(_CONTROLS)[:limit]


def to_contract(event: InboundEvent, history: bool | None = None) -> c.Event:
    """A driver event as a contract event (``seq`` is set by the journal).

    A media file the driver holds is named by the hash of its bytes, whatever it said.
    """
    if isinstance(event, MessageEvent):
        media = None
        if event.media is not None:
            m = event.media
            data = m.data
            media = c.Media(
                mimetype=_clean(m.mimetype, 256),
                filename=_clean(m.filename, 256),
                size=len(data) if data is not None else m.size,
                sha256=hashlib.sha256(data).hexdigest() if data is not None else m.sha256,
                caption=_clean(m.caption, c.MAX_TEXT_CHARS),
                seconds=m.seconds,
                extra=dict(m.extra),
            )
        return c.InboundMessage(
            seq=0,
            wa_id=event.wa_id,
            chat=event.chat,
            from_me=event.from_me,
            sent_at=event.sent_at,
            kind=str(event.kind),
            body=_clean(event.body, c.MAX_TEXT_CHARS),
            media=media,
            sender_name=_clean(event.sender_name, 256),
            chat_lid=event.chat_lid,
            history=event.history if history is None else history,
        )
    if isinstance(event, ReceiptEvent):
        return c.Receipt(
            seq=0,
            chat=event.chat,
            wa_ids=list(event.wa_ids),
            status=event.status.value,
            at=event.at,
        )
    if isinstance(event, IdentityEvent):
        return c.Identity(seq=0, lid=event.lid, jid=event.jid, name=_clean(event.name, 256))
    if isinstance(event, PhoneQueueEvent):
        return c.PhoneQueue(seq=0, pending=event.pending)
    raise TypeError(f"unknown driver event {type(event).__name__}")


class Runner:
    """One phone, one journal, one link to the web."""

    def __init__(
        self,
        driver: PhoneDriver,
        client: AppClient,
        journal: Journal,
        *,
        poll_wait: float = POLL_WAIT_SECONDS,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.driver = driver
        self.client = client
        self.journal = journal
        self.poll_wait = poll_wait
        self.heartbeat = heartbeat
        self.state = DriverState.DISCONNECTED
        self.detail = ""
        self.pairing: Pairing | None = None
        self._unlinked = False  # logged out since the last time it was ready
        self.until: int | None = None  # the end of a ban
        self.info: DeviceInfo | None = None
        self.phone_queue = 0
        self._ready = asyncio.Event()
        self._journaled = asyncio.Event()
        self._state_changed = asyncio.Event()
        self._reconnect = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # files the web confirmed since this process started: not uploaded again on a retry
        self._uploaded: set[str] = set()

    # -- lifecycle -----------------------------------------------------------------------

    async def run(self) -> None:
        """Run until stop(); then close the driver and the link."""
        self._tasks = [
            asyncio.create_task(self._guard("connection", self._connection)),
            asyncio.create_task(self._guard("uploader", self._uploader)),
            asyncio.create_task(self._guard("outbound", self._outbound)),
            asyncio.create_task(self._guard("reporter", self._reporter)),
            asyncio.create_task(self._guard("status", self._status_poller)),
            asyncio.create_task(self._guard("journal", self._journal_syncer)),
        ]
        await self._stopping.wait()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self._report(DriverState.DISCONNECTED, "bridge parado")
        with contextlib.suppress(Exception):
            await self.driver.close()
        await self.client.close()

    def stop(self) -> None:
        self._stopping.set()

    async def _guard(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Keep a loop alive: an error of ours is logged and the loop starts again."""
        while not self._stopping.is_set():
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bridge %s loop failed; restarting it", name)
                await self._sleep(1.0)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _set_state(self, state: DriverState, detail: str = "") -> None:
        if state != self.state or detail != self.detail:
            log.info("phone: %s%s", state.value, f" ({detail})" if detail else "")
        self.state, self.detail = state, detail
        if state is not DriverState.PAIRING:
            self.pairing = None
        if state is not DriverState.BANNED:
            self.until = None
        if state is DriverState.READY:
            self._ready.set()
        else:
            self._ready.clear()
        self._state_changed.set()

    async def _journal_syncer(self) -> None:
        while not self._stopping.is_set():
            await asyncio.to_thread(self.journal.sync)
            await self._sleep(SYNC_SECONDS)

    # -- the phone -----------------------------------------------------------------------

    async def _connection(self) -> None:
        backoff = Backoff(1.0, 30.0)
        while not self._stopping.is_set():
            self._set_state(DriverState.CONNECTING)
            try:
                self.info = await self.driver.connect(self._pairing)
                self._reconnect.clear()
                self._unlinked = False
                self._set_state(DriverState.READY)
                backoff.reset()
                await self._pump_events()
                if self._stopping.is_set():
                    return
                raise DeviceUnavailableError("the phone's event stream ended")
            except DeviceSetupError as exc:
                self._set_state(DriverState(exc.state), str(exc))
                if isinstance(exc, BannedError):
                    self.until = exc.until
                await self._close_driver()
                # Unlinked, a driver that pairs shows a new QR code soon; anything else waits
                # for a person.
                self._unlinked = isinstance(exc, LoggedOutError)
                relink = self._unlinked and Capability.PAIRING in self.driver.capabilities
                await self._sleep(RELINK_SECONDS if relink else NEEDS_ATTENTION_RETRY_SECONDS)
            except (DriverError, OSError) as exc:
                self._set_state(DriverState.RETRYING, str(exc))
                await self._close_driver()
                await self._sleep(backoff.next())

    def _pairing(self, pairing: Pairing) -> None:
        """The driver waits for the person at the phone: show them this QR or code."""
        self._set_state(
            DriverState.PAIRING, UNLINKED if self._unlinked else "aguardando pareamento"
        )
        self.pairing = pairing

    async def _close_driver(self) -> None:
        try:
            await self.driver.close()
        except Exception:
            log.exception("closing the driver failed")

    async def _pump_events(self) -> None:
        """Journal each event before asking the driver for the next one."""
        stream = self.driver.events()
        reconnect = asyncio.ensure_future(self._reconnect.wait())
        nxt: asyncio.Future[InboundEvent] | None = None
        try:
            while True:
                nxt = asyncio.ensure_future(anext(stream))
                done, _ = await asyncio.wait({nxt, reconnect}, return_when=asyncio.FIRST_COMPLETED)
                if nxt not in done:
                    raise DeviceUnavailableError(self.detail or "the phone stopped answering")
                try:
                    event = nxt.result()
                except StopAsyncIteration:
                    return
                if isinstance(event, PhoneQueueEvent):
                    self.phone_queue = event.pending
                self.journal.append(*journal_entries([event]))
                self._journaled.set()
        finally:
            reconnect.cancel()
            if nxt is not None:
                nxt.cancel()
                with contextlib.suppress(BaseException):
                    await nxt
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]

    def _lost_phone(self, exc: Exception) -> None:
        self.detail = str(exc)
        self._ready.clear()
        self._reconnect.set()

    async def _status_poller(self) -> None:
        if Capability.PHONE_STATUS not in self.driver.capabilities:
            await self._stopping.wait()
            return
        while not self._stopping.is_set():
            await self._ready.wait()
            try:
                status = await self.driver.status()
            except DeviceUnavailableError as exc:
                self._lost_phone(exc)
            else:
                detail = "" if status.online else NO_SIGNAL
                if status.pending != self.phone_queue or (
                    self.state is DriverState.READY and detail != self.detail
                ):
                    self.phone_queue = status.pending
                    if self.state is DriverState.READY:
                        self.detail = detail
                    self._state_changed.set()
            await self._sleep(STATUS_POLL_SECONDS)

    # -- the web -------------------------------------------------------------------------

    async def _report(self, state: DriverState, detail: str) -> None:
        await self.client.put_state(
            c.DeviceState(
                version=c.CONTRACT_VERSION,
                state=state.value,
                detail=detail,
                phone=self.info.phone if self.info else None,
                phone_queue=self.phone_queue,
                at=int(time.time() * 1000),
                driver=self.driver.name,
                capabilities=sorted(c.capability(x) for x in self.driver.capabilities),
                pairing=(
                    c.Pairing(
                        qr=_clean(self.pairing.qr, 1024),
                        code=self.pairing.code,
                        expires_at=self.pairing.expires_at,
                    )
                    if self.pairing is not None and state is DriverState.PAIRING
                    else None
                ),
                until=self.until if state is DriverState.BANNED else None,
            )
        )

    async def _reporter(self) -> None:
        """The phone's state to the web: on every change, and as a heartbeat."""
        backoff = Backoff(0.5, 10.0)
        while not self._stopping.is_set():
            self._state_changed.clear()
            try:
                await self._report(self.state, self.detail)
                backoff.reset()
            except LinkError as exc:
                log.warning("link: could not report the phone's state: %s", exc)
                await self._sleep(backoff.next())
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._state_changed.wait(), self.heartbeat)

    async def _uploader(self) -> None:
        backoff = Backoff(0.2, 5.0)
        while not self._stopping.is_set():
            self._journaled.clear()
            batch = self.journal.pending(c.MAX_EVENTS_PER_FRAME, c.MAX_FRAME_BYTES // 2)
            if not batch:
                await self._journaled.wait()
                continue
            try:
                await self._upload_files(batch)
                upto = await self.client.send_events(batch)
            except LinkRefusedError as exc:
                if exc.status == 401:
                    log.error("link: the web refused this device's token: %s", exc)
                    await self._sleep(backoff.next())
                    continue
                log.error("link: the web refused a frame of %d event(s): %s", len(batch), exc)
                if not await self._isolate(batch):
                    await self._sleep(backoff.next())
                continue
            except LinkFailedError as exc:
                log.warning("link: the web failed on %d event(s): %s", len(batch), exc)
                if exc.retry_later or not await self._isolate(batch):
                    await self._sleep(backoff.next())
                continue
            except LinkError as exc:
                log.warning("link: %d event(s) wait in the journal: %s", len(batch), exc)
                await self._sleep(backoff.next())
                continue
            backoff.reset()
            self.journal.ack(upto)

    async def _upload_files(self, batch: list[c.Event]) -> None:
        """Hand the web the files the batch names, before the batch: a stored message then
        already has its file. A file the web refuses for good is dropped (its message goes
        without it); anything else raises LinkError and the batch waits."""
        for event in batch:
            if not isinstance(event, c.InboundMessage) or event.media is None:
                continue
            sha = event.media.sha256
            if not sha or sha in self._uploaded:
                continue
            data = self.journal.file(sha)
            if data is None:
                continue
            try:
                await self.client.put_file(sha, data, event.media.mimetype)
            except LinkRefusedError as exc:
                if exc.status == 401:
                    raise
                log.error("link: file %s of message %s refused, dropped: %s", sha, event.wa_id, exc)
                self.journal.drop_file(sha)
                continue
            if len(self._uploaded) > 10_000:
                self._uploaded.clear()
            self._uploaded.add(sha)

    async def _isolate(self, batch: list[c.Event]) -> bool:
        """Send the events one by one, setting aside those the web refuses for good or fails
        on ``MAX_FAILURES`` times; False when the link must wait before going on."""
        for event in batch:
            try:
                await self._upload_files([event])
                self.journal.ack(await self.client.send_events([event]))
            except LinkRefusedError as single:
                if single.status == 401:
                    return False
                log.error("link: event %s refused for good, set aside: %s", event.seq, single)
                self.journal.refuse(event, str(single), at=int(time.time() * 1000))
                self._journaled.set()
            except LinkFailedError as single:
                if single.retry_later:
                    return False
                failures = self.journal.failed(event.seq, str(single))
                if failures < MAX_FAILURES:
                    log.warning(
                        "link: the web failed on event %s (%d of %d): %s",
                        event.seq,
                        failures,
                        MAX_FAILURES,
                        single,
                    )
                    return False
                log.error(
                    "link: the web failed %d times on event %s, set aside: %s",
                    failures,
                    event.seq,
                    single,
                )
                self.journal.refuse(event, str(single), failures, at=int(time.time() * 1000))
                self._journaled.set()
            except LinkError:
                return False
        return True

    async def _outbound(self) -> None:
        """Hand the web's outbox to the phone, in outbox order, one at a time."""
        after = 0
        backoff = Backoff(0.5, 10.0)
        while not self._stopping.is_set():
            try:
                work = await self.client.get_work(after, self.poll_wait)
            except LinkError as exc:
                if isinstance(exc, LinkRefusedError) and exc.status == 401:
                    log.error("link: the web refused this device's token: %s", exc)
                else:
                    log.warning("link: outbox unreachable: %s", exc)
                await self._sleep(backoff.next())
                continue
            backoff.reset()
            for item in work.outbound:
                if not await self._send(item):
                    break
                after = item.outbox_id
            for command in work.commands:
                await self._run_command(command)

    async def _send(self, item: c.OutboundItem) -> bool:
        """True once the phone holds the message (or refused it for good)."""
        await self._ready.wait()
        try:
            media = await self._outbound_media(item)
        except LinkRefusedError as exc:
            return self._send_failed(item, f"arquivo indisponível: {exc}")
        except LinkError as exc:
            log.warning("link: the file of message %s did not arrive: %s", item.client_id, exc)
            await self._sleep(1.0)
            return False
        message = OutboundMessage(
            client_id=item.client_id,
            wa_id=item.wa_id,
            chat=item.chat,
            kind=MessageKind(item.kind) if item.kind in _KINDS else MessageKind.TEXT,
            body=item.body,
            media=media,
        )
        try:
            if media is not None and Capability.SEND_MEDIA not in self.driver.capabilities:
                raise NotSupportedError("este celular não envia arquivos pelo Balcão")
            receipt = await self.driver.send(message)
        except (DeviceUnavailableError, DeviceSetupError) as exc:
            log.warning("phone could not take message %s: %s", item.client_id, exc)
            self._lost_phone(exc)
            return False
        except DriverError as exc:
            return self._send_failed(item, str(exc))
        self.journal.append(
            [
                c.Sent(
                    seq=0,
                    client_id=item.client_id,
                    wa_id=receipt.wa_id,
                    at=receipt.at,
                    pending=receipt.pending,
                )
            ]
        )
        self._journaled.set()
        return True

    def _send_failed(self, item: c.OutboundItem, error: str) -> bool:
        log.error("phone refused message %s: %s", item.client_id, error)
        self.journal.append(
            [c.SendFailed(seq=0, client_id=item.client_id, error=_clean(error, 2000))]
        )
        self._journaled.set()
        return True

    async def _outbound_media(self, item: c.OutboundItem) -> Media | None:
        """The message's file, fetched from the web (None for a text)."""
        if item.media is None:
            return None
        m = item.media
        data = await self.client.get_file(m.sha256) if m.sha256 else None
        return Media(
            mimetype=m.mimetype,
            filename=m.filename,
            size=len(data) if data is not None else m.size,
            sha256=m.sha256,
            caption=m.caption,
            seconds=m.seconds,
            data=data,
            extra=dict(m.extra),
        )

    async def _run_command(self, command: c.Command) -> None:
        await self._ready.wait()
        kind = c.command_kind(command)
        events: list[c.Event] = []
        files: dict[str, bytes] = {}
        result: dict[str, object] = {}
        try:
            needs = COMMAND_NEEDS[type(command)]
            if needs not in self.driver.capabilities:
                raise NotSupportedError(f"este celular não atende a pedidos de {kind}")
            match command:
                case c.SyncCommand(args=sync):
                    before = sync.before if isinstance(sync.before, int) else None
                    found = await self.driver.fetch_history(sync.chat, before, sync.limit)
                    events, files = journal_entries(list(found), history=True)
                    result = {"messages": len(found)}
                case c.RecheckCommand(args=recheck):
                    receipts = await self.driver.recheck_receipts(
                        recheck.chat, list(recheck.wa_ids)
                    )
                    events = [to_contract(r) for r in receipts]
                    result = {"receipts": sum(len(r.wa_ids) for r in receipts)}
                case c.PhotoCommand(args=photo):
                    data = await self.driver.fetch_profile_photo(photo.chat)
                    if data is not None and len(data) > MAX_PHOTO_BYTES:
                        log.warning(
                            "profile photo of %s too large (%d bytes), ignored",
                            photo.chat,
                            len(data),
                        )
                        data = None
                    events = [c.Photo(seq=0, chat=photo.chat, data=data)]
                    result = {"photo": data is not None}
                case _:
                    assert_never(command)
        except DeviceUnavailableError as exc:
            # Not answered: the web hands the command again later.
            log.warning("command %s (%s) not run: %s", command.id, kind, exc)
            self._lost_phone(exc)
            return
        except DriverError as exc:
            log.error("command %s (%s) failed: %s", command.id, kind, exc)
            done = c.CommandDone(
                seq=0, command_id=command.id, ok=False, error=_clean(str(exc), 2000)
            )
            self.journal.append([done])
            self._journaled.set()
            return
        done = c.CommandDone(seq=0, command_id=command.id, ok=True, result=result)
        self.journal.append([*events, done], files)
        self._journaled.set()
