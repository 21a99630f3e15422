"""Phone numbers and WhatsApp ids (JIDs), as both the web and the bridge read them.

One implementation of the Brazilian rules: a number typed without a country code is
Brazilian, and a Brazilian mobile written with the old eight digits gets its ninth digit,
so the same customer is never two chats.
"""

from __future__ import annotations

import re

import phonenumbers

USER_SERVER = "s.whatsapp.net"
JID_RE = re.compile(r"^(\d{8,15})@s\.whatsapp\.net$")
LID_RE = re.compile(r"^(\d{6,20})@lid$")
BROADCAST_RE = re.compile(r"^(\d{6,20})@broadcast$")


class InvalidNumberError(ValueError):
    """A number or JID that WhatsApp would not accept. ``code`` is stable
    (``phone.empty``, ``phone.invalid``, ``jid.invalid``); the message is pt-BR, for people."""

    def __init__(self, message: str, code: str = "phone.invalid") -> None:
        super().__init__(message)
        self.code = code


def normalize_number(raw: str, region: str = "BR") -> str:
    """The E.164 form of a number typed by a person ("+55 11 98765-4321", "11987654321", …)
    or given by WhatsApp. Raises InvalidNumberError when it is not a valid number."""
    text = raw.strip()
    if not text:
        raise InvalidNumberError("Número de telefone inválido: vazio.", code="phone.empty")
    if not re.sub(r"\D", "", text):
        raise InvalidNumberError(f"Número de telefone inválido: {raw!r}.")
    try:
        number = phonenumbers.parse(text, region)
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
    return e164.lstrip("+") + "@" + USER_SERVER


def number_of(jid: str) -> str:
    """The E.164 number of a user JID; InvalidNumberError (``jid.invalid``) otherwise."""
    match = JID_RE.match(jid)
    if not match:
        raise InvalidNumberError(f"JID inválido: {jid!r}.", code="jid.invalid")
    return "+" + match.group(1)


def number_in(wa_id: str) -> str | None:
    """The E.164 number in a WhatsApp user id ("5511…@s.whatsapp.net", with or without a
    ":device" suffix), or None when it is a LID, a group or anything else."""
    user, _, server = wa_id.partition("@")
    user = user.split(":")[0]
    if server != USER_SERVER or not user.isdigit():
        return None
    return "+" + user


def is_chat_jid(value: str) -> bool:
    return bool(JID_RE.match(value) or LID_RE.match(value) or BROADCAST_RE.match(value))


def pretty_number(e164: str) -> str:
    """+5511987654321 -> +55 11 98765-4321; what is not a number comes back as is."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
