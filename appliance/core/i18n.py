"""Message catalogs: every text a person reads goes through ``_()`` (or ``ngettext``).

The source language is pt-BR: a msgid is the Portuguese text as the shop reads it, so a
string missing from a catalog still shows in Portuguese. The catalogs are the ``.po``
files in ``appliance/locale/<locale>/LC_MESSAGES/balcao.po``, read once per process.

The language of the moment is a context variable: the HTTP edge sets it per request (the
``language`` setting, or the browser's ``Accept-Language``), the CLI from the setting. It
follows a request into the database threads (``Database`` runs each call in a copy of the
caller's context).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.pofile import read_po
from babel.plural import PluralRule
from babel.support import LazyProxy

DEFAULT_LANGUAGE = "pt-BR"
# The language tags of the setting and of the page's <html lang>, and Babel's locale names.
LOCALES = {"pt-BR": "pt_BR", "en": "en"}
LANGUAGES = tuple(LOCALES)
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "balcao"

_current: ContextVar[str] = ContextVar("balcao_language", default=DEFAULT_LANGUAGE)

# Accept-Language is the browser's, so untrusted: a real one is a few entries long.
_ACCEPT_MAX_CHARS = 512
_ACCEPT_MAX_ENTRIES = 16
_ACCEPT_ENTRY = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q=([0-9.]{1,5}))?"
)


def po_path(language: str) -> Path:
    return LOCALE_DIR / LOCALES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalog(language: str) -> dict[str, str | tuple[str, ...]]:
    """msgid → translation (a tuple of forms for a plural message), fuzzy and empty
    entries left out so that their Portuguese source shows instead."""
    path = po_path(language)
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=LOCALES[language])
    entries: dict[str, str | tuple[str, ...]] = {}
    for message in parsed:
        if not message.id or message.fuzzy:
            continue
        # An entry that repeats its msgid (the pt-BR catalog, mostly) is left out: the
        # msgid itself is shown.
        if isinstance(message.id, tuple | list):
            forms = tuple(message.string or ())
            if forms and all(forms) and forms != tuple(message.id):
                entries[message.id[0]] = forms
        elif message.string and message.string != message.id:
            entries[message.id] = str(message.string)
    return entries


_PLURAL_TAGS = ("zero", "one", "two", "few", "many", "other")


@functools.cache
def plural_forms(language: str) -> tuple[PluralRule, tuple[str, ...]]:
    """The language's plural rule and its categories in the order of a .po's msgstr[n]."""
    rule = Locale.parse(LOCALES[language]).plural_form
    return rule, tuple(tag for tag in _PLURAL_TAGS if tag in rule.tags or tag == "other")


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """The language of this request or process from here on (in this context)."""
    _current.set(language if language in LOCALES else DEFAULT_LANGUAGE)


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _current.set(language if language in LOCALES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    found = catalog(_current.get()).get(message)
    return found if isinstance(found, str) else message


_ = gettext


def N_(message: str) -> str:
    """Marks a module-level text for the catalog without translating it: the code reads
    it through ``_()`` when it is shown, in the language of that moment."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    language = _current.get()
    forms = catalog(language).get(singular)
    if isinstance(forms, tuple):
        rule, order = plural_forms(language)
        return forms[min(order.index(rule(abs(count))), len(forms) - 1)]
    return singular if abs(count) == 1 else plural


def lazy_gettext(message: str) -> LazyProxy:
    """For module-level constants: translated each time it is read, in the language of
    that moment."""
    return LazyProxy(gettext, message, enable_cache=False)


@functools.cache
def browser_catalog(language: str) -> dict[str, str | list[str]]:
    """The catalog the page's scripts read (``t()`` in web/static/js/i18n.js)."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in catalog(language).items()
    }


def supported(language: str) -> str | None:
    """A language tag of the setting or a browser (``en-US``, ``pt``) as one the box
    speaks, or None."""
    tag = language.strip().lower().replace("_", "-")
    if tag == "pt" or tag.startswith("pt-"):
        return "pt-BR"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def negotiate(accept_language: str | None) -> str | None:
    """The browser's most preferred language that the box speaks, or None."""
    if not accept_language:
        return None
    best: tuple[float, str] | None = None
    for position, entry in enumerate(accept_language[:_ACCEPT_MAX_CHARS].split(",")):
        if position >= _ACCEPT_MAX_ENTRIES:
            break
        match = _ACCEPT_ENTRY.match(entry)
        if not match:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        language = supported(match.group(1))
        if language and weight > 0 and (best is None or weight > best[0]):
            best = (weight, language)
    return best[1] if best else None


def choose_language(setting: str, accept_language: str | None) -> str:
    """The shop's ``language`` setting when set; else the browser's; else pt-BR."""
    if setting:
        return supported(setting) or DEFAULT_LANGUAGE
    return negotiate(accept_language) or DEFAULT_LANGUAGE


def babel_locale() -> str:
    return LOCALES[_current.get()]


def format_datetime(value: datetime, format: str = "short", time_zone: str | None = None) -> str:
    zone = babel_dates.get_timezone(time_zone) if time_zone else None
    return babel_dates.format_datetime(value, format, tzinfo=zone, locale=babel_locale())


def format_date(value: date, format: str = "short") -> str:
    return babel_dates.format_date(value, format, locale=babel_locale())


def format_decimal(value: float | Decimal | int) -> str:
    """Every digit of ``value`` kept (Babel's default pattern rounds to three decimals)."""
    return babel_numbers.format_decimal(value, locale=babel_locale(), decimal_quantization=False)


def format_money(value: float | Decimal | int) -> str:
    """An amount in reais, written the way the reader's language writes money."""
    return babel_numbers.format_currency(value, "BRL", locale=babel_locale())
