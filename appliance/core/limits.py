"""How big anything a caller sends may be: every text, list and id of the HTTP API.

Request bodies state their limits with msgspec ``Meta``, query and path parameters with
Litestar's parameter constraints; both reach the OpenAPI document at /schema, and a value
past them is a 400 naming the field (``name: no máximo 120 caracteres``, errors.py).
Values stored before these limits existed may be longer: readers take them as they are.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter
from msgspec import Meta

from appliance.core.i18n import N_

# Ids are SQLite INTEGERs: a larger number cannot even be looked up (it overflows the
# driver), so it is refused with the other bad input.
MAX_ID = 2**63 - 1

NAME = 120  # people, chats, departments, devices
TAG_NAME = 60  # tags and attendance statuses are chips on each chat row
STATUS_NAME = 60
FUNNEL_NAME = 80  # funnels and their stages
FIELD_NAME = 80
FIELD_OPTION = 80
FIELD_OPTIONS = 100
FIELD_TEXT = 1_000  # a text field's value; other kinds are shorter still
# Room for the spaces a kind's rule trims, so that rule decides (with its own message).
FIELD_VALUE = 2 * FIELD_TEXT
LOGIN = 64
# argon2 hashes whatever it gets, and takes longer the more it gets: a megabyte of
# password would hold a worker for seconds on the box.
PASSWORD = 1_024
EMAIL = 254  # RFC 5321's longest path
MESSAGE = 65_536  # WhatsApp's own limit for a text message
PHONE = 40  # "+55 (11) 98765-4321" with room for spaces and an extension
SEARCH = 200  # what a user types in a search box (search/query.py reads as much)
CURSOR = 200  # our cursors are base64 of a few numbers or a short key
KEYWORD = 40  # permission, module and driver names, assignee filters ("department:12")
CLIENT_ID = 36  # a UUID
CSRF = 128  # the login form's token is 32 characters
POSITION = 10_000  # an order among the account's funnels, stages or statuses
# Repeated query parameters (``tag``, ``stage``, ``status``, ``assignee``): each adds a
# term to the chat list's query, so their count bounds its size.
REPEATED = 20
# Lists in a body: ids of users, departments, stages; a shop has tens of each.
ITEMS = 1_000
# A request body outside the file routes: the longest message (65,536 characters, each
# up to 12 bytes as a JSON escaped surrogate pair) fits with room to spare.
BODY_BYTES = 1024 * 1024

# No control characters: NUL ends strings in C libraries (FTS5 queries, logs) and none
# of them has a place in a name. ``(?!\n)`` because Python's ``$`` also matches before a
# final newline; the pattern means the same to msgspec and to OpenAPI clients.
PLAIN = r"^[^\x00-\x1f\x7f-\x9f]*$(?!\n)"
# Message text keeps its line breaks (\n, and the \r of a CRLF pasted from another
# system) and tabs.
MULTILINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
COLOR = r"^#[0-9a-fA-F]{6}$"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
CURSOR_CHARS = r"^[A-Za-z0-9_=-]*$(?!\n)"

# What a refused pattern means, for the error message.
PATTERN_REASONS = {
    PLAIN: N_("caracteres de controle não são aceitos"),
    MULTILINE: N_("caracteres de controle não são aceitos (só quebra de linha e tabulação)"),
    COLOR: N_("use o formato #rrggbb"),
    UUID: N_("esperado um UUID"),
    CURSOR_CHARS: N_("cursor inválido"),
}


def text(max_length: int, pattern: str = PLAIN) -> Meta:
    return Meta(max_length=max_length, pattern=pattern)


# Body fields.
Name = Annotated[str, text(NAME)]
TagName = Annotated[str, text(TAG_NAME)]
StatusName = Annotated[str, text(STATUS_NAME)]
FunnelName = Annotated[str, text(FUNNEL_NAME)]
FieldName = Annotated[str, text(FIELD_NAME)]
FieldOption = Annotated[str, text(FIELD_OPTION)]
FieldValue = Annotated[str, text(FIELD_VALUE, MULTILINE)]
Login = Annotated[str, text(LOGIN)]
Password = Annotated[str, text(PASSWORD)]
Email = Annotated[str, text(EMAIL)]
MessageText = Annotated[str, text(MESSAGE, MULTILINE)]
Phone = Annotated[str, text(PHONE)]
Keyword = Annotated[str, text(KEYWORD)]
Color = Annotated[str, Meta(pattern=COLOR)]
ClientId = Annotated[str, Meta(max_length=CLIENT_ID, pattern=UUID)]
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Position = Annotated[int, Meta(ge=0, le=POSITION)]

# Path and query parameters.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
QueryIds = Annotated[list[Id] | None, QueryParameter(max_items=REPEATED)]
QueryKeywords = Annotated[list[Keyword] | None, QueryParameter(max_items=REPEATED)]
QueryCursor = Annotated[str | None, QueryParameter(max_length=CURSOR, pattern=CURSOR_CHARS)]
QuerySearch = Annotated[str | None, QueryParameter(max_length=SEARCH, pattern=PLAIN)]
QueryName = Annotated[str | None, QueryParameter(max_length=NAME, pattern=PLAIN)]
QueryPhone = Annotated[str | None, QueryParameter(max_length=PHONE, pattern=PLAIN)]
