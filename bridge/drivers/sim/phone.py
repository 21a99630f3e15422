"""SimulatedPhone: a WhatsApp phone with simulated customers, its state on disk."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import random
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

from bridge.drivers.sim import content, first_run
from bridge.drivers.sim.book import CHAT_C, AddressBook, as_jid, chat_jid
from bridge.drivers.sim.codec import event_from_dict, event_to_dict, media_from_dict, media_to_dict
from bridge.drivers.sim.customers import SENDABLE_KINDS, Draft, draft, pick_kind
from bridge.drivers.sim.store import Store
from bridge.protocol import (
    BannedError,
    Capability,
    DeviceInfo,
    DeviceSetupError,
    DeviceUnavailableError,
    DriverError,
    IdentityEvent,
    InboundEvent,
    LoggedOutError,
    MessageEvent,
    MessageKind,
    NotSupportedError,
    OutboundMessage,
    Pairing,
    PairingSink,
    PhoneQueueEvent,
    PhoneStatus,
    ReceiptEvent,
    ReceiptStatus,
    ReplacedError,
    SentReceipt,
)
from wire.numbers import (
    normalize_number,
)

log = logging.getLogger(__name__)

RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
# WhatsApp shows each QR code of a linking device for about 20 s, then the next.
QR_SECONDS = 20.0
# Messages per chat the phone hands over on its first connection (the rest waits for
# fetch_history, as a real history sync does).
SYNC_PER_CHAT = 3
# Share of the shop's messages that the customer answers after reading them.
REPLY_SHARE = 0.4


class PhoneService(Protocol):
    """Something that runs beside a connected phone (its control API)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class SimSettings:
    """What the CLI's ``speed`` changes; kept in the phone's store."""

    rate: float = 2.0  # customer messages per minute; 0: quiet
    delivery_delay: float = 2.0  # seconds from sent to delivered (mean)
    read_delay: float = 15.0  # seconds from delivered to read (mean)


@dataclass(frozen=True)
class Chaos:
    """Faults on purpose, for reliability tests."""

    duplicate: float = 0.0  # chance that an event is logged twice
    reorder: int = 0  # events ready together go out in reversed groups of this size


class SimulatedPhone:
    """A phone with its own address book, chats, queue and event log under ``state_dir``.

    Events are at-least-once: an event counts as taken when the consumer of ``events()``
    asks for the next one, so whatever was pending when the process died comes back after
    a restart. ``send`` is idempotent on the WhatsApp id.
    """

    name: ClassVar[str] = "sim"

    def __init__(
        self,
        state_dir: str | Path,
        *,
        seed: int = 1,
        rate: float | None = None,
        delivery_delay: float | None = None,
        read_delay: float | None = None,
        contacts: int = 12,
        history_days: int = 90,
        initial_sync: bool = True,
        lid_only_share: float = 0.15,
        customer_media: bool = True,
        phone_number: str = "+5511940000000",
        device_name: str = "Celular da loja (simulado)",
        duplicate: float | None = None,
        reorder: int | None = None,
        own_ids: bool = False,
        without: Iterable[str] = (),
        linked: bool = False,
        qr_seconds: float = QR_SECONDS,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.seed = seed
        self.first_contacts = contacts
        self.history_days = history_days
        self.initial_sync = initial_sync
        self.lid_only_share = lid_only_share
        self.customer_media = customer_media
        self.phone_number = normalize_number(phone_number)
        self.device_name = device_name
        # Like a driver that cannot choose a message's id: the box's id is ignored and the
        # phone makes up its own, reported in the SentReceipt (idempotent on client_id).
        self.own_ids = own_ids
        # ``without``: capabilities this phone pretends to lack, to try a lesser driver;
        # ``linked``: it pairs like a linked device, from QR codes (see connect).
        lacking = {Capability(name) for name in without}
        if own_ids:
            lacking.add(Capability.CHOSEN_ID)
        if not linked:
            lacking.add(Capability.PAIRING)
        self.capabilities = frozenset(Capability) - lacking
        self.linked = linked
        self.qr_seconds = qr_seconds
        # Why the session ended (logged out, replaced, banned): events() raises it.
        self._ended: DeviceSetupError | None = None
        self._pair_asked: asyncio.Event | None = None
        self._forced = {
            k: v
            for k, v in (
                ("rate", rate),
                ("delivery_delay", delivery_delay),
                ("read_delay", read_delay),
            )
            if v is not None
        }
        self._forced_chaos = (duplicate, reorder)
        self._store: Store | None = None
        self._book: AddressBook | None = None
        self._lock_fd: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Started after the phone connects and stopped before it closes (its control API).
        self.services: list[PhoneService] = []
        self._connected = False
        self._new_events = asyncio.Event()
        self._timers_changed = asyncio.Event()
        self._settings_changed = asyncio.Event()
        self._live = random.Random(f"{seed}:live")

    # -- store ------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            store = Store(self.state_dir / "phone.db")
            self._store = store
            self._book = AddressBook(store, self._seeded, self.lid_only_share)
            try:
                self._initialize()
                if self._forced:
                    store.set_setting("speed", {**asdict(self.settings), **self._forced})
                if self._forced_chaos != (None, None):
                    self.set_chaos(*self._forced_chaos)
            except BaseException:
                self._store = None
                store.close()
                raise
        return self._store

    @property
    def book(self) -> AddressBook:
        self.store  # noqa: B018  (opens the store and its address book)
        assert self._book is not None
        return self._book

    @property
    def settings(self) -> SimSettings:
        return SimSettings(**self.store.get_setting("speed", {}))

    @property
    def chaos_settings(self) -> Chaos:
        return Chaos(**self.store.get_setting("chaos", {}))

    @property
    def online(self) -> bool:
        return bool(self.store.get_setting("online", True))

    def _now(self) -> int:
        return int(time.time() * 1000)

    def _seeded(self, purpose: str) -> random.Random:
        """A generator for the next piece of content: the same seed tells the same story."""
        counter = int(self.store.get_setting("counter", 0)) + 1
        self.store.set_setting("counter", counter)
        return random.Random(f"{self.seed}:{purpose}:{counter}")

    @staticmethod
    def _new_wa_id() -> str:
        return first_run.new_wa_id()

    # -- protocol ---------------------------------------------------------------------

    async def connect(self, pairing: PairingSink | None = None) -> DeviceInfo:
        """Take the phone (one process at a time), start its customers and its services."""
        if self._connected:
            return self._device_info()
        self._take_lock()
        try:
            self.store  # noqa: B018  (opens and, on the first run, fills the phone)
            for service in self.services:
                await service.start()
        except BaseException:
            self._release_lock()
            raise
        banned_until = self.store.get_setting("banned_until")
        if banned_until is not None and banned_until > self._now():
            raise BannedError("o WhatsApp baniu este número temporariamente", banned_until)
        if self.linked and not self.store.get_setting("paired", False):
            await self._wait_for_pairing(pairing)
        self._ended = None
        self._connected = True
        self._tasks = [
            asyncio.create_task(self._run_timers(), name="sim-timers"),
            asyncio.create_task(self._run_customers(), name="sim-customers"),
        ]
        self._new_events.set()
        return self._device_info()

    async def _wait_for_pairing(self, pairing: PairingSink | None) -> None:
        """Show a new QR code every ``qr_seconds`` until the phone scans one (pair())."""
        if pairing is None:
            raise LoggedOutError("o celular simulado não está pareado")
        self._pair_asked = asyncio.Event()
        while not self.store.get_setting("paired", False):
            qr = f"2@{secrets.token_urlsafe(24)},sim,{self.phone_number}"
            pairing(Pairing(qr=qr, expires_at=self._now() + int(self.qr_seconds * 1000)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._pair_asked.wait(), self.qr_seconds)

    def _require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise NotSupportedError(f"o celular simulado está sem {capability.value}")

    def _check_connected(self) -> None:
        if not self._connected:
            raise DeviceUnavailableError("o celular simulado não está conectado")

    def _device_info(self) -> DeviceInfo:
        return DeviceInfo(phone=self.phone_number, name=self.device_name, platform="sim")

    def _take_lock(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state_dir / "phone.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise DeviceUnavailableError(
                f"o celular simulado em {self.state_dir} está em uso por outro processo"
            ) from exc
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def close(self) -> None:
        self._connected = False
        self._new_events.set()
        self._settings_changed.set()
        self._timers_changed.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for service in reversed(self.services):
            await service.stop()
        if self._store is not None:
            self._store.close()
            self._store = None
            self._book = None
        self._release_lock()

    async def events(self) -> AsyncIterator[InboundEvent]:
        """Logged events in order, until close(). An event is taken when the next is asked for."""
        cursor = 0
        while self._connected:
            if self._ended is not None:
                raise self._ended
            window = max(1, self.chaos_settings.reorder)
            batch = self.store.next_events(cursor, window)
            if not batch:
                self._new_events.clear()
                if self.store.next_events(cursor, 1):
                    continue
                await self._new_events.wait()
                continue
            cursor = batch[-1][0]
            if len(batch) > 1:
                batch.reverse()
            for seq, payload in batch:
                yield event_from_dict(payload, self.store.get_blob)
                if self._store is None:
                    return
                self.store.mark_taken(seq)

    async def send(self, msg: OutboundMessage) -> SentReceipt:
        """Idempotent on ``msg.wa_id`` (on ``msg.client_id`` with ``own_ids``); queued in the
        phone (pending) while it has no signal."""
        self._check_connected()
        if msg.media is not None:
            self._require(Capability.SEND_MEDIA)
        if self.own_ids:
            row = self.store.one("SELECT * FROM message WHERE client_id = ?", (msg.client_id,))
        else:
            row = self.store.one("SELECT * FROM message WHERE wa_id = ?", (msg.wa_id,))
        if row is not None:
            return SentReceipt(
                wa_id=row["wa_id"],
                at=row["accepted_at"] or row["sent_at"],
                pending=row["status"] == "queued",
            )
        if self.own_ids:
            msg = dataclasses.replace(msg, wa_id=self._new_wa_id())
        now = self._now()
        online = self.online
        with self.store.tx():
            chat = self.book.chat_for(msg.chat)
            stored_media = self._keep_media(msg.media) if msg.media else None
            self.store.conn.execute(
                "INSERT INTO message (wa_id, chat_id, from_me, sent_at, kind, body, media,"
                " client_id, to_chat, status, accepted_at, status_at)"
                " VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    msg.wa_id,
                    chat["id"],
                    now,
                    str(msg.kind),
                    msg.body,
                    json.dumps(media_to_dict(stored_media)) if stored_media else None,
                    msg.client_id,
                    msg.chat,
                    "sent" if online else "queued",
                    now,
                    now,
                ),
            )
            if online:
                self._schedule_receipts(msg.wa_id, now)
            else:
                self._emit(PhoneQueueEvent(pending=self._pending()))
        return SentReceipt(wa_id=msg.wa_id, at=now, pending=not online)

    async def fetch_history(self, chat: str, before: int | None, limit: int) -> list[MessageEvent]:
        self._check_connected()
        self._require(Capability.HISTORY)
        row = self.book.find(chat)
        if row is None or limit <= 0:
            return []
        rows = self.store.all(
            "SELECT * FROM message WHERE chat_id = ? AND sent_at < ? AND arrived = 1"
            " AND (status IS NULL OR status != 'queued') ORDER BY sent_at DESC, id DESC LIMIT ?",
            (row["id"], before if before is not None else 2**62, limit),
        )
        return [self._message_event(m, row, history=True) for m in reversed(rows)]

    async def fetch_profile_photo(self, chat: str) -> bytes | None:
        self._check_connected()
        self._require(Capability.PHOTOS)
        row = self.book.find(chat)
        if row is None:
            return None
        return self.book.photo(row["id"])

    async def recheck_receipts(self, chat: str, wa_ids: list[str]) -> list[ReceiptEvent]:
        self._check_connected()
        self._require(Capability.RECHECK)
        if not wa_ids:
            return []
        marks = ",".join("?" * len(wa_ids))
        rows = self.store.all(
            f"SELECT wa_id, status, status_at FROM message WHERE from_me = 1"
            f" AND wa_id IN ({marks}) AND status IN ('sent', 'delivered', 'read') ORDER BY id",
            tuple(wa_ids),
        )
        by_status: dict[str, list[sqlite3.Row]] = {}
        for r in rows:
            by_status.setdefault(r["status"], []).append(r)
        return [
            ReceiptEvent(
                chat=chat,
                wa_ids=tuple(r["wa_id"] for r in group),
                status=ReceiptStatus(status),
                at=max(r["status_at"] for r in group),
            )
            for status, group in sorted(by_status.items(), key=lambda item: RANK[item[0]])
        ]

    async def status(self) -> PhoneStatus:
        self._check_connected()
        self._require(Capability.PHONE_STATUS)
        online = self.online
        return PhoneStatus(
            pending=self._pending(),
            battery=int(self.store.get_setting("battery", 87)),
            charging=True,
            signal=4 if online else 0,
            online=online,
        )

    # -- controls (the control API and tests call these) -------------------------------

    def pair(self) -> dict[str, Any]:
        """The shop's phone scanned the QR code shown (a linked phone only)."""
        if not self.linked:
            raise DriverError("este celular simulado não pareia (use -o linked=true)")
        self.store.set_setting("paired", True)
        if self._pair_asked is not None:
            self._pair_asked.set()
        return {"paired": True}

    def end_session(self, why: str, minutes: float = 60.0) -> dict[str, Any]:
        """WhatsApp ends the session: "logout" (unlinked: pair again), "replace" (another
        session took over) or "ban" (for ``minutes``)."""
        if why == "logout":
            self.store.set_setting("paired", False)
            self._ended = LoggedOutError("o WhatsApp desconectou este aparelho")
        elif why == "replace":
            self._ended = ReplacedError("outra sessão assumiu este aparelho")
        elif why == "ban":
            until = self._now() + int(minutes * 60_000)
            self.store.set_setting("banned_until", until)
            self._ended = BannedError("o WhatsApp baniu este número temporariamente", until)
        else:
            raise DriverError(f"fim de sessão desconhecido: {why!r}")
        self._new_events.set()
        return {"ended": why}

    def receive(
        self,
        sender: str,
        text: str = "",
        *,
        kind: MessageKind | str = MessageKind.TEXT,
        count: int = 1,
        lid_only: bool = False,
        name: str | None = None,
    ) -> list[str]:
        """A customer writes ``count`` messages. ``sender``: a number as people type it, a
        user JID or a LID. Raises InvalidNumberError (pt-BR message) or ValueError."""
        if str(kind) not in {str(k) for k in SENDABLE_KINDS}:
            raise ValueError(f"tipo de mensagem não suportado: {kind}")
        kind = MessageKind(kind)
        if count < 1:
            raise ValueError("count deve ser pelo menos 1")
        with self.store.tx():
            chat = self.book.customer(sender, lid_only=lid_only, name=name)
            wa_ids = []
            for _ in range(count):
                now = self._now()
                rng = self._seeded("receive")
                made = draft(rng, kind, text, now, self.book.real_number(chat, self.phone_number))
                wa_ids.append(self._customer_writes(chat, made, now))
        return wa_ids

    def burst(self, count: int, sender: str | None = None) -> list[str]:
        """``count`` text messages at once, from ``sender`` or from customers old and new."""
        if count < 1:
            raise ValueError("count deve ser pelo menos 1")
        wa_ids = []
        with self.store.tx():
            fixed = self.book.customer(sender) if sender else None
            for _ in range(count):
                rng = self._seeded("burst")
                chat = fixed or self.book.pick_customer(rng)
                made = Draft(MessageKind.TEXT, content.customer_line(rng))
                wa_ids.append(self._customer_writes(chat, made, self._now()))
        return wa_ids

    def type_on_phone(self, to: str, text: str) -> str:
        """Someone at the shop writes on the phone itself: from_me, not sent by the box."""
        now = self._now()
        wa_id = self._new_wa_id()
        with self.store.tx():
            chat = self.book.chat_for(to) if "@" in to else self.book.customer(to)
            online = self.online
            self.store.conn.execute(
                "INSERT INTO message (wa_id, chat_id, from_me, sent_at, body, status, accepted_at,"
                " status_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?)",
                (wa_id, chat["id"], now, text, "sent" if online else "queued", now, now),
            )
            row = self.store.one("SELECT * FROM message WHERE wa_id = ?", (wa_id,))
            assert row is not None
            self._emit(self._message_event(row, chat))
            if online:
                self._schedule_receipts(wa_id, now)
            else:
                self._emit(PhoneQueueEvent(pending=self._pending()))
        return wa_id

    def reveal(self, who: str) -> IdentityEvent:
        """A LID-only customer's number becomes known: logs and returns an IdentityEvent."""
        chat = self.book.find(who) or self.book.find(as_jid(who))
        if chat is None or chat["kind"] != "contact":
            raise ValueError(f"contato desconhecido: {who}")
        if chat["lid"] is None:
            raise ValueError(f"o contato {who} não tem LID")
        with self.store.tx():
            self.book.learn_number(chat["id"])
            event = IdentityEvent(lid=chat["lid"], jid=chat["number_jid"], name=chat["name"])
            self._emit(event)
        return event

    def set_online(self, online: bool) -> None:
        """Signal lost or back. Back online, the phone's queue leaves in order, then what
        customers wrote meanwhile arrives."""
        with self.store.tx():
            was = self.online
            self.store.set_setting("online", online)
            if online and not was:
                self._drain_queue()
        self._timers_changed.set()
        self._settings_changed.set()

    def update_settings(
        self,
        rate: float | None = None,
        delivery_delay: float | None = None,
        read_delay: float | None = None,
    ) -> SimSettings:
        changes = {
            k: float(v)
            for k, v in (
                ("rate", rate),
                ("delivery_delay", delivery_delay),
                ("read_delay", read_delay),
            )
            if v is not None
        }
        if any(v < 0 for v in changes.values()):
            raise ValueError("valores não podem ser negativos")
        updated = replace(self.settings, **changes)
        self.store.set_setting("speed", asdict(updated))
        self._settings_changed.set()
        return updated

    def set_chaos(self, duplicate: float | None = None, reorder: int | None = None) -> Chaos:
        chaos = self.chaos_settings
        if duplicate is not None:
            if not 0 <= duplicate <= 1:
                raise ValueError("duplicate deve estar entre 0 e 1")
            chaos = replace(chaos, duplicate=float(duplicate))
        if reorder is not None:
            if reorder < 0:
                raise ValueError("reorder não pode ser negativo")
            chaos = replace(chaos, reorder=int(reorder))
        self.store.set_setting("chaos", asdict(chaos))
        self._new_events.set()
        return chaos

    def replay(self, count: int) -> int:
        """Log again the last ``count`` events the bridge already took; returns how many."""
        payloads = self.store.last_taken(count)
        with self.store.tx():
            for payload in payloads:
                self.store.append_event(payload, self._now())
        self._new_events.set()
        return len(payloads)

    def received(self) -> list[dict[str, Any]]:
        """What the box had the phone send, one entry per client_id, in the order sent.

        ``copies``: how many distinct WhatsApp messages of it left the phone for the customer;
        a resend with the same wa_id is not a copy, a message still queued is none yet.
        """
        rows = self.store.all(
            "SELECT m.client_id, m.wa_id, m.body, m.status, m.to_chat, c.number_jid, c.lid,"
            " c.number_known,"
            " c.kind FROM message m JOIN chat c ON c.id = m.chat_id"
            " WHERE m.client_id IS NOT NULL ORDER BY m.id"
        )
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            entry = out.setdefault(
                r["client_id"],
                {
                    "client_id": r["client_id"],
                    "wa_id": r["wa_id"],
                    "to": r["to_chat"] or chat_jid(r),
                    "text": r["body"],
                    "copies": 0,
                },
            )
            if r["status"] != "queued":
                entry["copies"] += 1
        return list(out.values())

    def describe(self) -> dict[str, Any]:
        """Status, settings and counts, for the control API."""
        messages = self.store.one("SELECT count(*) AS n FROM message")
        return {
            "online": self.online,
            "pending": self._pending(),
            "events_waiting": self.store.untaken_count(),
            "contacts": self.book.count_contacts(),
            "messages": messages["n"] if messages else 0,
            "phone": self.phone_number,
            "settings": asdict(self.settings),
            "chaos": asdict(self.chaos_settings),
            "pid": os.getpid(),
        }

    def broadcast_lists(self) -> list[dict[str, Any]]:
        return self.book.broadcast_lists()

    def contacts(self) -> list[dict[str, Any]]:
        """The address book as the phone knows it: chat JID, number JID (None while only
        the LID is known), LID, push name, whether there is a profile photo."""
        return self.book.contacts()

    # -- messages and events ------------------------------------------------------------

    def _keep_media(self, item: Any) -> Any:
        if item.data is not None:
            self.store.put_blob(item.sha256, item.data)
        return item

    def _customer_writes(self, chat: sqlite3.Row, made: Draft, now: int) -> str:
        wa_id = self._new_wa_id()
        online = self.online
        stored = self._keep_media(made.media) if made.media else None
        self.store.conn.execute(
            "INSERT INTO message (wa_id, chat_id, from_me, sent_at, kind, body, media, arrived)"
            " VALUES (?, ?, 0, ?, ?, ?, ?, ?)",
            (
                wa_id,
                chat["id"],
                now,
                str(made.kind),
                made.body,
                json.dumps(media_to_dict(stored)) if stored else None,
                int(online),
            ),
        )
        if online:
            row = self.store.one("SELECT * FROM message WHERE wa_id = ?", (wa_id,))
            assert row is not None
            self._emit(self._message_event(row, chat))
        return wa_id

    def _message_event(
        self, row: sqlite3.Row, chat: sqlite3.Row, history: bool = False
    ) -> MessageEvent:
        return MessageEvent(
            wa_id=row["wa_id"],
            chat=chat_jid(chat),
            from_me=bool(row["from_me"]),
            sent_at=row["sent_at"],
            kind=MessageKind(row["kind"]),
            body=row["body"],
            media=media_from_dict(json.loads(row["media"]), self.store.get_blob)
            if row["media"]
            else None,
            sender_name="" if row["from_me"] else chat["name"],
            chat_lid=chat["lid"] if chat["kind"] == "contact" else None,
            history=history,
        )

    def _emit(self, event: InboundEvent) -> None:
        payload = event_to_dict(event)
        now = self._now()
        with self.store.tx():
            self.store.append_event(payload, now)
            duplicate = self.chaos_settings.duplicate
            if duplicate and self._live.random() < duplicate:
                self.store.append_event(payload, now)
        self._new_events.set()

    def _pending(self) -> int:
        row = self.store.one("SELECT count(*) AS n FROM message WHERE status = 'queued'")
        return int(row["n"]) if row else 0

    def _jitter(self, seconds: float) -> int:
        return int(seconds * 1000 * self._live.uniform(0.5, 1.5)) if seconds > 0 else 0

    def _schedule_receipts(self, wa_id: str, sent_at: int) -> None:
        speed = self.settings
        delivered = sent_at + self._jitter(speed.delivery_delay)
        read = delivered + self._jitter(speed.read_delay)
        self.store.conn.executemany(
            "INSERT INTO timer (due_at, wa_id, status) VALUES (?, ?, ?)",
            [(delivered, wa_id, "delivered"), (read, wa_id, "read")],
        )
        self._timers_changed.set()

    def _drain_queue(self) -> None:
        """The phone's queue leaves in order; then customers' waiting messages arrive."""
        now = self._now()
        queued = self.store.all(
            "SELECT m.wa_id, m.to_chat, "
            + CHAT_C
            + " FROM message m JOIN chat c ON c.id = m.chat_id"
            " WHERE m.status = 'queued' ORDER BY m.id"
        )
        for row in queued:
            self.store.conn.execute(
                "UPDATE message SET status = 'sent', status_at = ? WHERE wa_id = ?",
                (now, row["wa_id"]),
            )
            self._emit(
                ReceiptEvent(
                    chat=row["to_chat"] or chat_jid(row),
                    wa_ids=(row["wa_id"],),
                    status=ReceiptStatus.SENT,
                    at=now,
                )
            )
            self._schedule_receipts(row["wa_id"], now)
        if queued:
            self._emit(PhoneQueueEvent(pending=0))
        waiting = self.store.all("SELECT * FROM message WHERE arrived = 0 ORDER BY id")
        for row in waiting:
            self.store.conn.execute("UPDATE message SET arrived = 1 WHERE id = ?", (row["id"],))
            chat = self.book.get(row["chat_id"])
            self._emit(self._message_event(row, chat))

    def _maybe_reply(self, wa_id: str, read_at: int) -> None:
        """A customer who read the shop's message sometimes answers (not while quiet)."""
        speed = self.settings
        if speed.rate > 0 and self._live.random() < REPLY_SHARE:
            self.store.conn.execute(
                "INSERT INTO timer (due_at, wa_id, status) VALUES (?, ?, 'reply')",
                (read_at + self._jitter(speed.read_delay), wa_id),
            )

    def fire_due_timers(self) -> int:
        """Receipts whose time has come, forward only, grouped per chat and status; and the
        answers of customers who read the shop's messages."""
        if not self.online:
            return 0
        now = self._now()
        due = self.store.all(
            "SELECT t.id AS timer_id, t.wa_id, t.status, m.status AS current, m.to_chat, "
            + CHAT_C
            + " FROM timer t"
            " JOIN message m ON m.wa_id = t.wa_id JOIN chat c ON c.id = m.chat_id"
            " WHERE t.due_at <= ? ORDER BY t.due_at, t.id",
            (now,),
        )
        if not due:
            return 0
        groups: dict[tuple[str, str], list[str]] = {}
        current: dict[str, str] = {}
        answered: set[int] = set()
        with self.store.tx() as conn:
            for row in due:
                conn.execute("DELETE FROM timer WHERE id = ?", (row["timer_id"],))
                if row["status"] == "reply":
                    if row["id"] not in answered:
                        answered.add(row["id"])
                        rng = self._seeded("reply")
                        reply = Draft(MessageKind.TEXT, content.reply_line(rng))
                        self._customer_writes(self.book.get(row["id"]), reply, now)
                    continue
                status = current.get(row["wa_id"], row["current"])
                if RANK[row["status"]] <= RANK[status]:
                    continue
                current[row["wa_id"]] = row["status"]
                conn.execute(
                    "UPDATE message SET status = ?, status_at = ? WHERE wa_id = ?",
                    (row["status"], now, row["wa_id"]),
                )
                groups.setdefault((row["to_chat"] or chat_jid(row), row["status"]), []).append(
                    row["wa_id"]
                )
                if row["status"] == "read" and row["kind"] == "contact":
                    self._maybe_reply(row["wa_id"], now)
            for (chat, status), wa_ids in groups.items():
                self._emit(ReceiptEvent(chat, tuple(wa_ids), ReceiptStatus(status), now))
        return len(due)

    # -- background ----------------------------------------------------------------------

    # Both loops also stop on ``_connected``: Python 3.11's wait_for can swallow a
    # cancellation that lands as its timeout fires, and close() would then wait forever.
    async def _run_timers(self) -> None:
        while self._connected:
            self._timers_changed.clear()
            try:
                self.fire_due_timers()
            except sqlite3.Error:
                log.exception("simulated phone: receipts failed")
            row = self.store.one("SELECT min(due_at) AS due FROM timer")
            wait = 1.0
            if row is not None and row["due"] is not None and self.online:
                wait = min(1.0, max(0.0, (row["due"] - self._now()) / 1000))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._timers_changed.wait(), wait)

    async def _run_customers(self) -> None:
        while self._connected:
            self._settings_changed.clear()
            rate = self.settings.rate
            if rate <= 0:
                await self._settings_changed.wait()
                continue
            try:
                await asyncio.wait_for(
                    self._settings_changed.wait(), self._live.expovariate(rate / 60)
                )
                continue
            except TimeoutError:
                pass
            try:
                self.customer_writes_something()
            except (sqlite3.Error, ValueError, OSError):
                log.exception("simulated phone: a customer failed to write")

    def customer_writes_something(self) -> str:
        """One message from a simulated customer: its text, media, maybe its number revealed."""
        with self.store.tx():
            rng = self._seeded("live")
            chat = self.book.pick_customer(rng)
            if not chat["number_known"] and chat["lid"] and rng.random() < 0.3:
                self.reveal(chat["lid"])
                chat = self.book.get(chat["id"])
            kind = pick_kind(rng) if self.customer_media else MessageKind.TEXT
            now = self._now()
            return self._customer_writes(
                chat, draft(rng, kind, "", now, self.book.real_number(chat, self.phone_number)), now
            )

    # -- first run ------------------------------------------------------------------------

    def _initialize(self) -> None:
        """On the first run: customers, their history (older than the box), broadcast lists."""
        store = self.store
        if store.get_setting("initialized"):
            return
        now = self._now()
        with store.tx():
            store.set_setting("speed", asdict(SimSettings()))
            rng = random.Random(f"{self.seed}:first-run")
            first_run.fill(self.book, rng, now, self.first_contacts, self.history_days)
            store.set_setting("initialized", now)
            if self.initial_sync:
                self._initial_sync()

    def _initial_sync(self) -> None:
        for chat in self.book.all_chats():
            rows = self.store.all(
                "SELECT * FROM message WHERE chat_id = ? ORDER BY sent_at DESC LIMIT ?",
                (chat["id"], SYNC_PER_CHAT),
            )
            for row in reversed(rows):
                self._emit(self._message_event(row, chat, history=True))
