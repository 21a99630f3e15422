"""Brazilian phone numbers: parsing to E.164 and display, with the ninth digit."""

from __future__ import annotations

import phonenumbers

from appliance.errors import InvalidInput


def normalize_phone(raw: str, region: str = "BR") -> str:
    """E.164 for a number typed by staff or given by WhatsApp; raises InvalidInput.

    Brazilian mobiles written without the ninth digit (8 digits after the DDD,
    starting 6-9) get it, so the same customer is never two chats.
    """
    text = raw.strip()
    if not text:
        raise InvalidInput("Informe um número de telefone.", code="phone.empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"Número de telefone inválido: {raw!r}.", code="phone.invalid") from exc
    if number.country_code == 55:
        national = str(number.national_number)
        if len(national) == 10 and national[2] in "6789":
            number = phonenumbers.parse(f"+55{national[:2]}9{national[2:]}")
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"Número de telefone inválido: {raw!r}.", code="phone.invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """ "+5511987654321" -> "+55 11 98765-4321"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_from_wa_id(wa_id: str) -> str | None:
    """The E.164 number in a WhatsApp user id ("5511…@s.whatsapp.net"), if it is one."""
    user, _, server = wa_id.partition("@")
    user = user.split(":")[0]
    if server != "s.whatsapp.net" or not user.isdigit():
        return None
    return "+" + user
