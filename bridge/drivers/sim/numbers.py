"""Phone numbers and WhatsApp JIDs as the simulated phone writes them."""

from __future__ import annotations

import re

import phonenumbers

JID_RE = re.compile(r"^(\d{8,15})@s\.whatsapp\.net$")
LID_RE = re.compile(r"^(\d{6,20})@lid$")
BROADCAST_RE = re.compile(r"^(\d{6,20})@broadcast$")


class InvalidNumberError(ValueError):
    """A number or JID that WhatsApp would not accept; the message is pt-BR, for people."""


def normalize_number(raw: str) -> str:
    """The E.164 form of a number typed by a person ("+55 11 98765-4321", "11987654321", …).

    Numbers without a country code are Brazilian. A Brazilian mobile written with the old
    eight digits gets its ninth digit. Raises InvalidNumberError when it is not a valid number.
    """
    text = raw.strip()
    if not re.sub(r"\D", "", text):
        raise InvalidNumberError(f"Número de telefone inválido: {raw!r}.")
    try:
        number = phonenumbers.parse(text, "BR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumberError(f"Número de telefone inválido: {raw!r}.") from exc
    if number.country_code == 55:
        number = _with_ninth_digit(number)
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumberError(
            f"Número de telefone inválido: {raw!r}. Use DDD e número, como +55 11 98765-4321."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _with_ninth_digit(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    national = str(number.national_number)
    if len(national) == 10 and national[2] in "6789":
        return phonenumbers.parse("+55" + national[:2] + "9" + national[2:])
    return number


def jid_of(e164: str) -> str:
    """The WhatsApp user JID of an E.164 number."""
    return e164.lstrip("+") + "@s.whatsapp.net"


def number_of(jid: str) -> str:
    """The E.164 number of a user JID."""
    match = JID_RE.match(jid)
    if not match:
        raise InvalidNumberError(f"JID inválido: {jid!r}.")
    return "+" + match.group(1)


def is_chat_jid(value: str) -> bool:
    return bool(JID_RE.match(value) or LID_RE.match(value) or BROADCAST_RE.match(value))


def pretty_number(e164: str) -> str:
    """+5511987654321 -> +55 11 98765-4321."""
    number = phonenumbers.parse(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
