"""What the API answers with: the base of every response struct, and the small shapes
several areas share.

Each area declares its answers in ``<area>/schemas.py``; the OpenAPI document at
/schema/openapi.json describes them, so a client generated from it in another language
reads every answer without our code.

Services build plain dicts (the chat list and live events are built that way for speed);
a route turns one into its struct with ``answer``. Unknown keys are refused rather than
dropped, so a key a service adds without declaring it fails the tests instead of
vanishing from the wire, and a field that is sometimes absent is ``UnsetType`` (left out
of the JSON, as the dict left it out) rather than a null the client never got.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec


class Answer(msgspec.Struct, forbid_unknown_fields=True):
    """The base of the API's response structs."""


A = TypeVar("A", bound=Answer)


def answer(value: Any, shape: type[A]) -> A:
    """``value`` (a dict a service built, or a list of them) as the struct ``shape``;
    raises ``msgspec.ValidationError`` when the two disagree."""
    return msgspec.convert(value, shape)


def answers(values: list[Any], shape: type[A]) -> list[A]:
    """Each dict of ``values`` as the struct ``shape``."""
    # One conversion of the whole list in C; mypy does not take a type held in a variable.
    return msgspec.convert(values, list[shape])  # type: ignore[valid-type]


class Ref(Answer):
    """Something named by its id: a user, a department, a funnel."""

    id: int
    name: str
