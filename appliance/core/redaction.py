"""What a user without ``see_numbers`` may receive: messages, chat names and previews, vCards.

Allow-lists, not deny-lists. Each message kind declares which keys of ``media`` and of
``media.extra`` such a user gets, and of which type; every other key is dropped, at any
depth, so a driver that adds a field tomorrow (a second phone, a business card, a list of
contacts) leaks nothing until someone adds it here. A value of the wrong type (a list or a
dict where a name is declared) is dropped too, which is how nested numbers never pass.

Phone-shaped runs of digits are masked in whatever comes from a contact card or a place
(names, file names, the body), in any text that is a vCard, and in chat names and previews
(a card without a name carries its number as its name, and the preview is its body).
Customer text and captions are shown as sent.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# What a masked number reads as.
MASK = "•••"
# 8 digits or more, with the separators people write numbers with: a Brazilian number
# without its area code has 8 or 9 digits ("98765-4321"), with it 10 or 11, and 12 or 13
# with the country code. Shorter runs (house numbers, prices, order codes) stay.
_PHONE_RUN = re.compile(r"\+?\d(?:[ \t().\-/]*\d){7,}")
_VCARD = re.compile(r"BEGIN\s*:\s*VCARD", re.IGNORECASE)
VCARD_MIMES = frozenset({"text/vcard", "text/x-vcard", "text/directory"})


def mask_numbers(text: str) -> str:
    """``text`` with each phone-shaped run of digits replaced by ``MASK``."""
    return _PHONE_RUN.sub(MASK, text)


# How each kept value is checked (and masked): anything it does not accept is dropped.
Keep = Callable[[Any], Any]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _masked_text(value: Any) -> str | None:
    return mask_numbers(value) if isinstance(value, str) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _degrees(limit: float) -> Keep:
    """A latitude (90) or longitude (180): a number within ±limit, so no phone number
    passes as one."""

    def keep(value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if -limit <= value <= limit else None

    return keep


@dataclass(frozen=True)
class KindRule:
    """What of a message of one kind a user without ``see_numbers`` receives."""

    media: dict[str, Keep]
    extra: dict[str, Keep]
    # The body is masked (contact cards, places); customer text otherwise.
    mask_body: bool = False


_FILE: dict[str, Keep] = {
    "mimetype": _text,
    "filename": _text,
    "size": _count,
    "sha256": _text,
    "caption": _text,
    "seconds": _count,
    "url": _text,
}
# A contact card's hash is not passed: the card is a name plus one number, and a number
# space of 10^10 is hashed through in minutes, so the hash would give the number back.
_CARD: dict[str, Keep] = {"mimetype": _text, "filename": _masked_text, "url": _text}
_FILE_KINDS = ("image", "audio", "voice", "video", "document", "sticker")

RULES: dict[str, KindRule] = {
    "text": KindRule(media={}, extra={}),
    **{kind: KindRule(media=_FILE, extra={}) for kind in _FILE_KINDS},
    "location": KindRule(
        media={"mimetype": _text},
        extra={"lat": _degrees(90), "lng": _degrees(180), "name": _masked_text},
        mask_body=True,
    ),
    "contact": KindRule(media=_CARD, extra={"name": _masked_text}, mask_body=True),
}
# A kind this table does not know yet: its kind and nothing of what it carries.
UNKNOWN = KindRule(media={"mimetype": _text}, extra={}, mask_body=True)


def is_vcard(kind: str, media: dict[str, Any] | None) -> bool:
    """The message's file is a contact card (shared as a contact or as a .vcf document)."""
    if kind == "contact":
        return True
    if not media:
        return False
    mime = str(media.get("mimetype") or "").split(";")[0].strip().lower()
    return mime in VCARD_MIMES or str(media.get("filename") or "").lower().endswith(".vcf")


def rule_for(kind: str, media: dict[str, Any] | None) -> KindRule:
    if is_vcard(kind, media):
        return RULES["contact"]
    return RULES.get(kind, UNKNOWN)


def _kept(values: Any, allowed: dict[str, Keep]) -> dict[str, Any]:
    if not isinstance(values, dict):
        return {}
    out = {}
    for key, keep in allowed.items():
        if key in values and (value := keep(values[key])) is not None:
            out[key] = value
    return out


def redact_media(kind: str, media: dict[str, Any] | None) -> dict[str, Any] | None:
    """The message's media as a user without ``see_numbers`` receives it, with
    ``redacted: true`` when anything was left out or masked."""
    if media is None:
        return None
    rule = rule_for(kind, media)
    out = _kept(media, rule.media)
    extra = _kept(media.get("extra"), rule.extra)
    if extra:
        out["extra"] = extra
    if out != media:
        out["redacted"] = True
    return out


def redact_body(kind: str, media: dict[str, Any] | None, body: str) -> str:
    """The message's text as a user without ``see_numbers`` reads it."""
    if not body:
        return body
    if _VCARD.search(body):
        return redact_vcard_text(body)
    if rule_for(kind, media).mask_body:
        return mask_numbers(body)
    return body


# Names and previews of the chat list repeat from page to page: a cached line costs 0.1 µs,
# a masked one 1-4 µs, four times per chat of every page.
@functools.lru_cache(maxsize=8192)
def redact_line(text: str | None) -> str | None:
    """A chat's name or last-message preview for a user without ``see_numbers``."""
    return mask_numbers(text) if text else text


# -- vCards ------------------------------------------------------------------------------

# The properties a card keeps: who it is, never how to reach them (TEL, EMAIL, ADR,
# X-WA-BIZ-*, item1.TEL, NOTE, URL, PHOTO … all go).
_CARD_PROPERTIES = ("FN", "N")


def _unfolded(text: str) -> list[str]:
    """The card's logical lines: RFC 6350 folds long lines with CRLF + a space or tab."""
    lines: list[str] = []
    for raw in re.split(r"\r\n|\r|\n", text):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw.strip():
            lines.append(raw)
    return lines


def _property(line: str) -> tuple[str, str]:
    """(name without group or parameters, value) of one content line."""
    head, _, value = line.partition(":")
    name = head.split(";")[0].rsplit(".", 1)[-1].strip().upper()
    return name, value


def redact_vcard_text(text: str) -> str:
    """Each card in ``text`` rebuilt with its names only (numbers in them masked)."""
    cards: list[list[str]] = []
    current: list[str] | None = None
    for line in _unfolded(text):
        name, value = _property(line)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            current = []
        elif name == "END" and current is not None:
            cards.append(current)
            current = None
        elif current is not None and name in _CARD_PROPERTIES:
            current.append(f"{name}:{mask_numbers(value)}")
    if current:
        cards.append(current)
    return "".join(
        "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(f"{p}\r\n" for p in card) + "END:VCARD\r\n"
        for card in cards
    )


def redact_vcard(data: bytes) -> bytes:
    """A .vcf file as a user without ``see_numbers`` downloads it: names only."""
    return redact_vcard_text(data.decode("utf-8", errors="replace")).encode()
