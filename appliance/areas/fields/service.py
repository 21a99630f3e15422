"""Custom fields (I8): account-wide typed fields and each chat's value.

A field belongs to the account: created from any chat, it exists in all; deleted, its
values go with it everywhere. Values are checked by the field's kind and stored in one
normal form (E.164 phones, ISO dates, digits for CPF / CNPJ, "1234.56" numbers); a value
that fails the check raises InvalidInput and leaves the stored one as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from validate_docbr import CNPJ, CPF

from appliance.areas.accounts.permissions import Actor, can_see_numbers
from appliance.areas.chats.access import access_chat
from appliance.core import limits
from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from appliance.core.i18n import _, format_date, format_decimal, gettext
from appliance.core.labels import clean_name, name_taken
from appliance.core.phones import display_phone, normalize_phone
from appliance.core.text import fold

KINDS = ("text", "number", "date", "email", "phone", "cpf", "cnpj", "options")
KIND_LABELS = {
    "text": "Texto",
    "number": "Número",
    "date": "Data",
    "email": "E-mail",
    "phone": "Telefone",
    "cpf": "CPF",
    "cnpj": "CNPJ",
    "options": "Opções",
}
MAX_NAME = limits.FIELD_NAME
MAX_OPTION = limits.FIELD_OPTION
MAX_OPTIONS = limits.FIELD_OPTIONS
MAX_TEXT = limits.FIELD_TEXT

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_BR_NUMBER = re.compile(r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_EN_NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_cpf = CPF()
_cnpj = CNPJ()


# -- values -----------------------------------------------------------------------------


def _bad(kind: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=f"field.invalid_{kind}")


def _number(text: str) -> str:
    """ "1.234,56" (Brazilian) or "1234.56" -> "1234.56". A single dot followed by three
    digits ("1.500") is read the Brazilian way: one thousand five hundred."""
    compact = text.replace(" ", "")
    if _BR_NUMBER.fullmatch(compact):
        plain = compact.replace(".", "").replace(",", ".")
    elif _EN_NUMBER.fullmatch(compact):
        plain = compact.replace(",", "")
    else:
        raise _bad("number", _("Número inválido: use por exemplo 1.234,56."))
    try:
        value = Decimal(plain)
    except InvalidOperation as exc:
        raise _bad("number", _("Número inválido: use por exemplo 1.234,56.")) from exc
    canonical = format(value.normalize(), "f")
    return "0" if canonical in ("-0", "0") else canonical


def _date(text: str) -> str:
    """DD/MM/AAAA or AAAA-MM-DD -> AAAA-MM-DD."""
    if m := _BR_DATE.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise _bad("date", _("Data inválida: use DD/MM/AAAA."))
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as exc:
        raise _bad("date", _("Data inválida: use DD/MM/AAAA.")) from exc


def _email(text: str) -> str:
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise _bad(
            "email", gettext("E-mail inválido: confira o endereço (ex.: nome@exemplo.com.br).")
        )
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone(text: str) -> str:
    try:
        return normalize_phone(text)
    except InvalidInput as exc:
        raise _bad(
            "phone", _("Telefone inválido: informe DDD e número, ex.: (11) 98765-4321.")
        ) from exc


def _cpf_value(text: str) -> str:
    digits = re.sub(r"[.\-\s]", "", text)
    if not (digits.isdigit() and len(digits) == 11 and _cpf.validate(digits)):
        raise _bad("cpf", _("CPF inválido: confira os dígitos."))
    return digits


def _cnpj_value(text: str) -> str:
    chars = re.sub(r"[./\-\s]", "", text).upper()
    if not (chars.isalnum() and len(chars) == 14 and _cnpj.validate(chars)):
        raise _bad("cnpj", _("CNPJ inválido: confira os dígitos."))
    return chars


def _option(text: str, options: list[str]) -> str:
    for option in options:
        if fold(option) == fold(text):
            return option
    raise _bad("options", _("Opção inválida: escolha uma das opções do campo."))


def clean_value(kind: str, options: list[str], raw: str | None) -> str | None:
    """The normal form of ``raw`` for a field of ``kind``; None for a blank value (which
    clears it). Raises InvalidInput with a pt-BR message saying what to type."""
    text = " ".join((raw or "").split()) if kind != "text" else (raw or "").strip()
    if not text:
        return None
    if kind == "text":
        if len(text) > MAX_TEXT:
            raise _bad(
                "text",
                _("Texto longo demais: no máximo {max_text} caracteres.").format(max_text=MAX_TEXT),
            )
        return text
    if kind == "number":
        return _number(text)
    if kind == "date":
        return _date(text)
    if kind == "email":
        return _email(text)
    if kind == "phone":
        return _phone(text)
    if kind == "cpf":
        return _cpf_value(text)
    if kind == "cnpj":
        return _cnpj_value(text)
    if kind == "options":
        return _option(text, options)
    raise _bad("kind", _("Tipo de campo desconhecido."))


def display_value(kind: str, value: str | None) -> str | None:
    """A stored value as the reader's language writes it (Babel); documents and phones the
    Brazilian way."""
    if value is None:
        return None
    if kind == "number":
        return format_decimal(Decimal(value))
    if kind == "date":
        return format_date(dt.date.fromisoformat(value))
    if kind == "phone":
        return display_phone(value)
    if kind == "cpf" and len(value) == 11:
        return f"{value[:3]}.{value[3:6]}.{value[6:9]}-{value[9:]}"
    if kind == "cnpj" and len(value) == 14:
        return f"{value[:2]}.{value[2:5]}.{value[5:8]}/{value[8:12]}-{value[12:]}"
    return value


# -- fields -----------------------------------------------------------------------------


def _field_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "options": json.loads(row["options"] or "[]"),
        "position": row["position"],
    }


def list_fields(conn: Conn) -> list[dict[str, Any]]:
    """Every custom field of the account, in display order."""
    rows = conn.execute(
        "SELECT id, name, kind, options, position FROM custom_field ORDER BY position, id"
    ).fetchall()
    return [_field_dict(r) for r in rows]


def get_field(conn: Conn, field_id: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT id, name, kind, options, position FROM custom_field WHERE id = ?", (field_id,)
    ).fetchone()
    if row is None:
        raise NotFound(_("Campo não encontrado."), code="field.not_found")
    return _field_dict(row)


def _clean_name(conn: Conn, name: str, field_id: int | None = None) -> str:
    clean = clean_name(name, what=_("do campo"), limit=MAX_NAME, code="field")
    if name_taken(conn.execute("SELECT id, name FROM custom_field"), clean, field_id):
        raise Conflict(_("Já existe um campo com esse nome."), code="field.duplicate")
    return clean


def _clean_options(options: list[str] | None) -> list[str]:
    clean: list[str] = []
    seen: set[str] = set()
    for option in options or []:
        text = " ".join(option.split())
        if not text or fold(text) in seen:
            continue
        if len(text) > MAX_OPTION:
            raise InvalidInput(
                _("Cada opção pode ter no máximo {max_option} caracteres.").format(
                    max_option=MAX_OPTION
                ),
                code="field.option_too_long",
            )
        seen.add(fold(text))
        clean.append(text)
    if not clean:
        raise InvalidInput(_("Informe ao menos uma opção."), code="field.options_empty")
    if len(clean) > MAX_OPTIONS:
        raise InvalidInput(
            _("No máximo {max_options} opções por campo.").format(max_options=MAX_OPTIONS),
            code="field.too_many_options",
        )
    return clean


def create_field(
    conn: Conn, name: str, kind: str, options: list[str] | None = None
) -> dict[str, Any]:
    """A new field, at the end, in every chat of the account. InvalidInput for a bad name,
    kind or options; Conflict for a name that exists (ignoring case and accents)."""
    if kind not in KINDS:
        raise InvalidInput(
            _(
                "Tipo de campo inválido: use texto, número, data, e-mail, telefone, CPF, CNPJ "
                "ou opções."
            ),
            code="field.invalid_kind",
        )
    clean = _clean_name(conn, name)
    choices = _clean_options(options) if kind == "options" else []
    position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM custom_field").fetchone()[0]
    cur = conn.execute(
        "INSERT INTO custom_field(name, kind, options, position, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (clean, kind, json.dumps(choices, ensure_ascii=False), position, now_ms()),
    )
    return get_field(conn, int(cur.lastrowid or 0))


def update_field(
    conn: Conn, field_id: int, name: str | None = None, options: list[str] | None = None
) -> dict[str, Any]:
    """Rename a field and / or change the choices of an "options" field. The kind never
    changes; values already stored are kept even when their option is removed."""
    field = get_field(conn, field_id)
    if name is not None:
        conn.execute(
            "UPDATE custom_field SET name = ? WHERE id = ?",
            (_clean_name(conn, name, field_id), field_id),
        )
    if options is not None:
        if field["kind"] != "options":
            raise InvalidInput(
                _("Só campos do tipo opções têm opções."), code="field.options_not_allowed"
            )
        conn.execute(
            "UPDATE custom_field SET options = ? WHERE id = ?",
            (json.dumps(_clean_options(options), ensure_ascii=False), field_id),
        )
    return get_field(conn, field_id)


def count_values(conn: Conn, field_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM chat_field_value WHERE field = ?", (field_id,)
    ).fetchone()
    return int(row[0])


def delete_field(conn: Conn, field_id: int, confirm: bool) -> int:
    """Delete the field and its value in every chat; returns how many chats had one.

    Without ``confirm`` nothing is deleted: Conflict says how many chats would lose a value.
    """
    field = get_field(conn, field_id)
    had = count_values(conn, field_id)
    if not confirm:
        where = "nenhum chat" if had == 0 else ("1 chat" if had == 1 else f"{had} chats")
        raise Conflict(
            _(
                "Excluir o campo “{name}” o remove de todos os chats "
                "(tem valor em {where}). Confirme a exclusão."
            ).format(name=field["name"], where=where),
            code="field.confirm_delete",
            chats=had,
        )
    conn.execute("DELETE FROM chat_field_value WHERE field = ?", (field_id,))
    conn.execute("DELETE FROM custom_field WHERE id = ?", (field_id,))
    return had


# -- a chat's values --------------------------------------------------------------------


# What a phone field with a value shows to a user without see_numbers.
HIDDEN_PHONE = "Número oculto"


def _with_value(field: dict[str, Any], value: str | None, actor: Actor) -> dict[str, Any]:
    """The field with its value; a phone to a user without ``see_numbers`` has no value,
    ``display`` says it is hidden and ``hidden`` is true."""
    if field["kind"] == "phone" and value is not None and not can_see_numbers(actor):
        return {**field, "value": None, "display": HIDDEN_PHONE, "hidden": True}
    return {
        **field,
        "value": value,
        "display": display_value(field["kind"], value),
        "hidden": False,
    }


def chat_fields(conn: Conn, actor: Actor, chat_id: int) -> list[dict[str, Any]]:
    """Every field of the account with this chat's value (None when it has none). The
    values are the shop's record of its customer: everyone who sees the chat sees them,
    except phones, which only users with ``see_numbers`` see."""
    access_chat(conn, actor, chat_id)
    values = dict(
        conn.execute(
            "SELECT field, value FROM chat_field_value WHERE chat = ?", (chat_id,)
        ).fetchall()
    )
    return [_with_value(f, values.get(f["id"]), actor) for f in list_fields(conn)]


def set_value(
    conn: Conn, actor: Actor, chat_id: int, field_id: int, raw: str | None
) -> tuple[dict[str, Any], bool]:
    """Check ``raw`` by the field's kind and store it for the chat; blank clears it.
    Returns the field with its value and whether the stored value changed.

    Forbidden for a phone field and a user without ``see_numbers``: they cannot see what
    they would replace, and whether a save changed anything would confirm a guess.
    """
    access_chat(conn, actor, chat_id)
    field = get_field(conn, field_id)
    if field["kind"] == "phone" and not can_see_numbers(actor):
        raise Forbidden(
            _(
                "Você não tem permissão para ver números, então não pode alterar o campo “{name}”."
            ).format(name=field["name"]),
            code="permission.see_numbers",
        )
    value = clean_value(field["kind"], field["options"], raw)
    row = conn.execute(
        "SELECT value FROM chat_field_value WHERE chat = ? AND field = ?", (chat_id, field_id)
    ).fetchone()
    before = row["value"] if row else None
    if value == before:
        return _with_value(field, value, actor), False
    if value is None:
        conn.execute(
            "DELETE FROM chat_field_value WHERE chat = ? AND field = ?", (chat_id, field_id)
        )
    else:
        store_value(conn, chat_id, field_id, value, now_ms())
    return _with_value(field, value, actor), True


def store_value(conn: Conn, chat_id: int, field_id: int, value: str, at: int) -> None:
    """The chat's value of the field (replacing the one it had), already checked against
    the field's kind by the caller."""
    conn.execute(
        "INSERT INTO chat_field_value(chat, field, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(chat, field) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        (chat_id, field_id, value, at),
    )
