"""Phone numbers for the web: ``wire.numbers`` with errors people read as InvalidInput."""

from __future__ import annotations

from appliance.core.errors import InvalidInput
from appliance.core.i18n import _
from wire.numbers import InvalidNumberError, normalize_number, number_in, pretty_number


def normalize_phone(raw: str, region: str = "BR") -> str:
    """E.164 for a number typed by staff or given by WhatsApp; raises InvalidInput
    (``phone.empty``, ``phone.invalid``)."""
    try:
        return normalize_number(raw, region)
    except InvalidNumberError as exc:
        if exc.code == "phone.empty":
            raise InvalidInput(_("Informe um número de telefone."), code=exc.code) from exc
        raise InvalidInput(
            _("Número de telefone inválido: {raw!r}.").format(raw=raw), code=exc.code
        ) from exc


def display_phone(e164: str) -> str:
    """ "+5511987654321" -> "+55 11 98765-4321"."""
    return pretty_number(e164)


def phone_from_wa_id(wa_id: str) -> str | None:
    """The E.164 number in a WhatsApp user id ("5511…@s.whatsapp.net"), if it is one."""
    return number_in(wa_id)
