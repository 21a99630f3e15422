"""Names and colours staff give to account data (tags, fields, statuses, funnels, stages):
one way to clean them, and one rule for when two names are the same."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from appliance.core.errors import InvalidInput
from appliance.core.i18n import _
from appliance.core.text import fold

COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")


def clean_name(raw: str, *, what: str, limit: int, code: str) -> str:
    """``raw`` trimmed, inner spaces collapsed. InvalidInput (``{code}.name_empty``,
    ``{code}.name_too_long``) when blank or longer than ``limit``; ``what`` names the
    thing in the message ("da tag", "do campo")."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput(_("Informe o nome {what}.").format(what=what), code=f"{code}.name_empty")
    if len(name) > limit:
        raise InvalidInput(
            _("O nome {what} pode ter no máximo {limit} caracteres.").format(
                what=what, limit=limit
            ),
            code=f"{code}.name_too_long",
        )
    return name


def name_taken(rows: Iterable[Any], name: str, own_id: int | None = None) -> str | None:
    """The existing name, among ``(id, name)`` rows other than ``own_id``, that ``name``
    repeats ignoring case, accents and spacing; None when it is free."""
    wanted = fold(" ".join(name.split()))
    for row_id, existing in rows:
        if row_id != own_id and fold(" ".join(existing.split())) == wanted:
            return str(existing)
    return None


def clean_color(raw: str, *, code: str) -> str:
    """ "#rrggbb" in lower case; InvalidInput (``{code}.invalid_color``) otherwise."""
    color = raw.strip()
    if not COLOR_RE.fullmatch(color):
        raise InvalidInput(
            _("Cor inválida: use o formato #rrggbb."), code=f"{code}.invalid_color", color=raw
        )
    return color.lower()
