"""What the phone already holds the first time the box sees it: customers and old chats."""

from __future__ import annotations

import random
import secrets
import sqlite3

from bridge.drivers.sim import content
from bridge.drivers.sim.book import AddressBook, chat_jid

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def new_wa_id() -> str:
    return "3EB0" + secrets.token_hex(8).upper()


def fill(book: AddressBook, rng: random.Random, now: int, contacts: int, days: int) -> None:
    """Customers (one in seven LID-only) with a few conversations over the last ``days``, and
    the broadcast lists with their promotions. Every message is older than ``now``."""
    chats = [
        book.customer(content.mobile_number(rng), lid_only=i % 7 == 6) for i in range(contacts)
    ]
    for chat in chats:
        for day in sorted(rng.sample(range(1, max(3, days)), rng.randint(2, 3)), reverse=True):
            at = now - day * DAY_MS + rng.randint(8, 18) * HOUR_MS
            for turn in range(rng.randint(2, 6)):
                from_me = turn % 2 == 1
                text = (
                    content.shop_line(rng, chat["name"]) if from_me else content.customer_line(rng)
                )
                at += rng.randint(1, 90) * 60_000
                _old_message(book, chat, from_me, text, min(at, now - HOUR_MS))
    members = [chat_jid(c) for c in chats if c["number_known"]]
    for n, name in enumerate(content.BROADCAST_LISTS):
        jid = f"{1_700_000_000 + n * 7919}@broadcast"
        row = book.add_broadcast_list(jid, name, rng.sample(members, min(len(members), 4)))
        for weeks_ago in (3, 1):
            at = now - weeks_ago * 7 * DAY_MS
            _old_message(book, row, True, content.broadcast_line(rng), at)


def _old_message(book: AddressBook, chat: sqlite3.Row, from_me: bool, text: str, at: int) -> None:
    book.store.conn.execute(
        "INSERT INTO message (wa_id, chat_id, from_me, sent_at, body, status, accepted_at,"
        " status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new_wa_id(),
            chat["id"],
            int(from_me),
            at,
            text,
            "read" if from_me else None,
            at if from_me else None,
            at if from_me else None,
        ),
    )
