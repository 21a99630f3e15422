"""The simulated phone's address book: customers (number, LID, name, photo) and broadcast lists."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from bridge.drivers.sim import content, media
from bridge.drivers.sim.store import Store
from bridge.protocol import DriverError
from wire.numbers import (
    BROADCAST_RE,
    JID_RE,
    LID_RE,
    InvalidNumberError,
    jid_of,
    normalize_number,
    number_of,
)

CHAT = "id, kind, number_jid, lid, number_known, name, members, created_at"
CHAT_C = ", ".join(f"c.{column}" for column in CHAT.split(", "))
# Share of new customers who have a LID the phone knows besides their number.
WITH_LID = 0.7
WITH_PHOTO = 0.8


def chat_jid(row: sqlite3.Row) -> str:
    """The JID the phone shows for a chat: the number's, or the LID while that is all it knows."""
    if row["kind"] == "broadcast" or row["number_known"] or row["lid"] is None:
        return str(row["number_jid"])
    return str(row["lid"])


def as_jid(sender: str) -> str:
    """A JID as is, or the user JID of a number typed by a person (InvalidNumberError)."""
    if "@" in sender:
        return sender
    return jid_of(normalize_number(sender))


class AddressBook:
    """Rows of the ``chat`` table; new customers are made from the phone's seeded stories."""

    def __init__(
        self, store: Store, seeded: Callable[[str], random.Random], lid_only_share: float
    ) -> None:
        self.store = store
        self.seeded = seeded
        self.lid_only_share = lid_only_share

    def get(self, chat_id: int) -> sqlite3.Row:
        row = self.store.one("SELECT " + CHAT + " FROM chat WHERE id = ?", (chat_id,))
        if row is None:
            raise LookupError(f"chat {chat_id} not in the address book")
        return row

    def find(self, chat: str) -> sqlite3.Row | None:
        """The chat the phone knows by this JID or LID (not by a number it has not learnt)."""
        if LID_RE.match(chat):
            return self.store.one("SELECT " + CHAT + " FROM chat WHERE lid = ?", (chat,))
        row = self.store.one("SELECT " + CHAT + " FROM chat WHERE number_jid = ?", (chat,))
        if row is not None and row["kind"] == "contact" and not row["number_known"]:
            return None
        return row

    def photo(self, chat_id: int) -> bytes | None:
        row = self.store.one("SELECT photo FROM chat WHERE id = ?", (chat_id,))
        return bytes(row["photo"]) if row is not None and row["photo"] is not None else None

    def real_number(self, chat: sqlite3.Row, fallback: str) -> str:
        jid = chat["number_jid"]
        return number_of(jid) if jid and JID_RE.match(jid) else fallback

    def chat_for(self, chat: str) -> sqlite3.Row:
        """The chat a message goes to; unknown customers are added. Raises DriverError."""
        if LID_RE.match(chat) or JID_RE.match(chat):
            return self.customer(chat)
        if BROADCAST_RE.match(chat):
            row = self.store.one("SELECT " + CHAT + " FROM chat WHERE number_jid = ?", (chat,))
            if row is None:
                raise DriverError(f"lista de transmissão desconhecida: {chat}")
            return row
        raise DriverError(f"JID inválido: {chat!r}")

    def customer(
        self, sender: str, *, lid_only: bool = False, name: str | None = None
    ) -> sqlite3.Row:
        """The customer with this number, JID or LID, added when new."""
        if LID_RE.match(sender):
            row = self.store.one("SELECT " + CHAT + " FROM chat WHERE lid = ?", (sender,))
            if row is not None:
                return row
            rng = self.seeded("contact")
            return self._add(rng, jid_of(content.mobile_number(rng)), sender, False, name)
        jid = as_jid(sender)
        if not JID_RE.match(jid):
            raise InvalidNumberError(f"JID inválido: {sender!r}.")
        row = self.store.one("SELECT " + CHAT + " FROM chat WHERE number_jid = ?", (jid,))
        if row is not None:
            return row
        rng = self.seeded("contact")
        lid = content.lid_number(rng) if lid_only or rng.random() < WITH_LID else None
        return self._add(rng, jid, lid, not lid_only, name)

    def _add(
        self, rng: random.Random, jid: str, lid: str | None, known: bool, name: str | None
    ) -> sqlite3.Row:
        name = name if name is not None else content.person_name(rng)
        photo = media.profile_photo(name, rng) if rng.random() < WITH_PHOTO else None
        with self.store.tx() as conn:
            cur = conn.execute(
                "INSERT INTO chat (number_jid, lid, number_known, name, photo, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (jid, lid, int(known), name, photo, int(time.time() * 1000)),
            )
        return self.get(int(cur.lastrowid or 0))

    def pick_customer(self, rng: random.Random) -> sqlite3.Row:
        """Mostly a customer who wrote before; sometimes a new one, now and then LID-only."""
        count = self.store.conn.execute("SELECT count(*) FROM chat WHERE kind = 'contact'")
        contacts = int(count.fetchone()[0])
        if contacts and rng.random() > 0.25:
            row = self.store.one(
                "SELECT " + CHAT + " FROM chat WHERE kind = 'contact' ORDER BY id LIMIT 1 OFFSET ?",
                (rng.randrange(contacts),),
            )
            assert row is not None
            return row
        lid_only = rng.random() < self.lid_only_share
        return self.customer(content.mobile_number(rng), lid_only=lid_only)

    def learn_number(self, chat_id: int) -> None:
        self.store.conn.execute("UPDATE chat SET number_known = 1 WHERE id = ?", (chat_id,))

    def add_broadcast_list(self, jid: str, name: str, members: list[str]) -> sqlite3.Row:
        with self.store.tx() as conn:
            cur = conn.execute(
                "INSERT INTO chat (kind, number_jid, name, members, created_at)"
                " VALUES ('broadcast', ?, ?, ?, ?)",
                (jid, name, json.dumps(members), int(time.time() * 1000)),
            )
        return self.get(int(cur.lastrowid or 0))

    def broadcast_lists(self) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT " + CHAT + " FROM chat WHERE kind = 'broadcast' ORDER BY id")
        return [
            {"jid": r["number_jid"], "name": r["name"], "members": json.loads(r["members"])}
            for r in rows
        ]

    def contacts(self) -> list[dict[str, Any]]:
        rows = self.store.all(
            "SELECT " + CHAT + ", photo IS NOT NULL AS has_photo FROM chat"
            " WHERE kind = 'contact' ORDER BY id"
        )
        return [
            {
                "chat": chat_jid(r),
                "jid": r["number_jid"] if r["number_known"] else None,
                "lid": r["lid"],
                "name": r["name"],
                "photo": bool(r["has_photo"]),
            }
            for r in rows
        ]

    def all_chats(self) -> list[sqlite3.Row]:
        return self.store.all("SELECT " + CHAT + " FROM chat ORDER BY id")

    def count_contacts(self) -> int:
        row = self.store.one("SELECT count(*) AS n FROM chat WHERE kind = 'contact'")
        return int(row["n"]) if row else 0
