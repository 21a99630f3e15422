"""The web side of the bridge link: device tokens, work for the bridge, device state."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import msgspec

from appliance.areas.devices import jobs
from appliance.areas.devices.service import device_for_token
from appliance.areas.files.store import has_file, record_file
from appliance.areas.messages.ingest import attach_file
from appliance.areas.messages.outbound import pending_outbound
from appliance.core.clock import iso, now_ms
from appliance.core.db import Conn
from wire import contract as c

log = logging.getLogger(__name__)

OUTBOUND_PER_POLL = 200
TOKEN_CACHE_SECONDS = 30.0


class LinkSignals:
    """Wakes a device's waiting outbox poll when work for it is committed."""

    def __init__(self) -> None:
        self._events: dict[int, asyncio.Event] = {}
        self._tokens: dict[str, tuple[int | None, float]] = {}

    def event(self, device_id: int) -> asyncio.Event:
        if device_id not in self._events:
            self._events[device_id] = asyncio.Event()
        return self._events[device_id]

    def wake(self, device_id: int) -> None:
        self.event(device_id).set()

    def cached_device(self, token: str) -> tuple[bool, int | None]:
        hit = self._tokens.get(token)
        if hit is None or time.monotonic() - hit[1] > TOKEN_CACHE_SECONDS:
            return False, None
        return True, hit[0]

    def remember(self, token: str, device_id: int | None) -> None:
        if len(self._tokens) > 1000:
            self._tokens.clear()
        self._tokens[token] = (device_id, time.monotonic())


def device_of_token(conn: Conn, token: str) -> int | None:
    return device_for_token(conn, token)


def _outbound_media(row: Any) -> c.Media | None:
    """An outbound message's media as the contract carries it."""
    if not row["media"]:
        return None
    try:
        return msgspec.convert(json.loads(row["media"]), type=c.Media)
    except (ValueError, msgspec.ValidationError) as exc:
        # Written by this app; a row it cannot carry goes with its text alone.
        log.error("outbound message %s: media not sendable: %s", row["client_id"], exc)
        return None


def next_work(conn: Conn, device_id: int, after: int) -> c.Work:
    """Outbound messages after outbox id ``after`` (in order) and ready jobs for the bridge."""
    outbound = [
        c.OutboundItem(
            outbox_id=r["outbox_id"],
            client_id=r["client_id"],
            wa_id=r["wa_id"],
            chat=r["chat"],
            kind=r["kind"],
            body=r["body"],
            media=_outbound_media(r),
        )
        for r in pending_outbound(conn, device_id, after, OUTBOUND_PER_POLL)
    ]
    commands: list[c.Command] = []
    for job in jobs.jobs_for_bridge(conn, device_id):
        # Checked against the contract here: a job the contract cannot carry fails alone
        # instead of making the bridge refuse every Work frame that holds it.
        try:
            command: c.Command = msgspec.convert(job, c.Command)
        except msgspec.ValidationError as exc:
            log.error("device job %s (%s) cannot go to the bridge: %s", job["id"], job["kind"], exc)
            jobs.fail_job(conn, job["id"], f"invalid command: {exc}"[:500])
            continue
        commands.append(command)
    return c.Work(version=c.CONTRACT_VERSION, outbound=outbound, commands=commands)


def has_work(conn: Conn, device_id: int, after: int) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE device = ? AND id > ?) "
        "OR EXISTS (SELECT 1 FROM device_job WHERE device = ? AND state = 'ready' "
        "AND (handed_at IS NULL OR handed_at < ?))",
        (device_id, after, device_id, now_ms() - jobs.REHAND_AFTER_MS),
    ).fetchone()
    return bool(row[0])


def set_device_state(conn: Conn, device_id: int, state: c.DeviceState) -> int | None:
    """Record the state the bridge reports; returns a reconcile job id after a reconnect."""
    row = conn.execute("SELECT state FROM device WHERE id = ?", (device_id,)).fetchone()
    previous = row[0] if row else None
    pairing = msgspec.json.encode(state.pairing).decode() if state.pairing else None
    conn.execute(
        "UPDATE device SET state = ?, state_detail = ?, phone_queue = ?, "
        "phone = coalesce(?, phone), last_event_at = ?, capabilities = ?, pairing = ?, "
        "state_until = ?, driver = coalesce(nullif(?, ''), driver) WHERE id = ?",
        (
            state.state,
            state.detail[:500],
            max(0, state.phone_queue),
            state.phone,
            now_ms(),
            json.dumps(sorted(set(state.capabilities))),
            pairing,
            state.until,
            state.driver,
            device_id,
        ),
    )
    if state.state == "ready" and previous != "ready":
        log.info("device %s is ready (was %s): reconciling", device_id, previous)
        return jobs.request_job(conn, device_id, "reconcile", None)
    if state.state != previous:
        log.info("device %s: %s -> %s %s", device_id, previous, state.state, state.detail)
    return None


def outbound_file(conn: Conn, device_id: int, sha: str) -> dict[str, Any] | None:
    """The stored file (size, mime) a message in the device's outbox names, if any: the
    outbox holds a message until the bridge reports it sent, so a resend finds it too."""
    row = conn.execute(
        "SELECT f.size, f.mime FROM outbox o JOIN message m ON m.id = o.message "
        "JOIN stored_file f ON f.sha256 = ? "
        "WHERE o.device = ? AND m.media ->> '$.sha256' = ? LIMIT 1",
        (sha, device_id, sha),
    ).fetchone()
    return None if row is None else {"size": row[0], "mime": row[1]}


def file_known(conn: Conn, sha: str) -> bool:
    return has_file(conn, sha)


def record_upload(conn: Conn, device_id: int, sha: str, size: int, mime: str) -> set[int]:
    """Keep the row of a file the bridge uploaded (already on disk); returns the chats whose
    messages were waiting for it."""
    record_file(conn, sha, size, mime)
    return attach_file(conn, device_id, sha)


def set_aside_events(conn: Conn, device_id: int, limit: int = 200) -> dict[str, Any]:
    """The device's events its bridge set aside, newest first (at most ``limit``), and their
    count: each with its kind, the reason and how many times the web failed on it."""
    total = conn.execute(
        "SELECT count(*) FROM link_set_aside WHERE device = ?", (device_id,)
    ).fetchone()[0]
    rows = conn.execute(
        "SELECT id, event_seq, kind, reason, failures, event, at FROM link_set_aside "
        "WHERE device = ? ORDER BY id DESC LIMIT ?",
        (device_id, limit),
    ).fetchall()
    return {
        "count": int(total),
        "events": [
            {
                "id": r["id"],
                "seq": r["event_seq"],
                "kind": r["kind"],
                "reason": r["reason"],
                "failures": r["failures"],
                "event": r["event"],
                "at": iso(r["at"]),
            }
            for r in rows
        ],
    }


def refusal(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}
