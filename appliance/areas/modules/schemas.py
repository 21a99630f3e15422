"""Answers of the modules API (P3)."""

from __future__ import annotations

from appliance.core.answers import Answer


class ModuleState(Answer):
    """A module of the account, as the admin's switch shows it."""

    name: str
    label: str
    enabled: bool
    # False for a module still "em breve": it cannot be switched on.
    available: bool
