"""The demo's data files, read into typed values: ``shop.toml`` (the shop, its people, tags,
funnel and fields), ``words.toml`` (names, places, products) and ``scenarios.toml`` (the
conversations and the broadcast lists)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCENARIOS_FILE = HERE / "scenarios.toml"


@dataclass(frozen=True)
class Step:
    who: str  # "c" the customer, "s" the shop
    kinds: tuple[str, ...]  # one is picked
    texts: tuple[str, ...]  # one is picked; "" is a media message without a caption


@dataclass(frozen=True)
class Scenario:
    name: str
    department: str
    tags: tuple[str, ...]
    weight: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Scenarios:
    scenarios: tuple[Scenario, ...]
    broadcasts: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Words:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    nicknames: tuple[str, ...]
    name_emoji: tuple[str, ...]
    businesses: tuple[tuple[str, str], ...]  # (WhatsApp name, the person who writes)
    ddds: tuple[int, ...]  # one entry per weight unit
    bairros: dict[str, int]  # "em Icaraí" -> delivery fee in reais
    streets: tuple[str, ...]
    models: tuple[str, ...]
    generic_products: tuple[str, ...]
    screen_prices: tuple[int, ...]
    products: dict[str, int]  # "a película 3D" -> cents
    cases: dict[str, int]  # "capinha antichoque" -> cents


@dataclass(frozen=True)
class User:
    login: str
    name: str
    admin: bool
    departments: tuple[str, ...]
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    options: list[str] | None
    values: tuple[str, ...]  # what some customers have


@dataclass(frozen=True)
class Shop:
    name: str
    device: str
    address: str
    location: tuple[float, float]
    pix_key: str
    chatbot_greeting: str
    order_first: int
    history_days: int
    users: tuple[User, ...]
    staff: dict[str, tuple[tuple[str, str], ...]]  # department -> (login, name)
    tags: dict[str, str]  # name -> colour
    funnel: str
    stages: tuple[str, ...]
    stage_by_tag: tuple[tuple[str, str], ...]
    fields: tuple[Field, ...]


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load_scenarios(path: Path = SCENARIOS_FILE) -> Scenarios:
    raw = _read(path)
    scenarios = tuple(
        Scenario(
            name=s["name"],
            department=s["department"],
            tags=tuple(s["tags"]),
            weight=int(s["weight"]),
            steps=tuple(
                Step(
                    who=step["who"],
                    kinds=(step["kind"],) if isinstance(step["kind"], str) else tuple(step["kind"]),
                    texts=tuple(step["text"]),
                )
                for step in s["steps"]
            ),
        )
        for s in raw["scenario"]
    )
    broadcasts = {name: tuple(bodies) for name, bodies in raw.get("broadcasts", {}).items()}
    return Scenarios(scenarios, broadcasts)


def load_words(path: Path = HERE / "words.toml") -> Words:
    raw = _read(path)
    words = raw["words"]
    return Words(
        first_names=tuple(raw["first_names"]),
        last_names=tuple(raw["last_names"]),
        nicknames=tuple(raw["nicknames"]),
        name_emoji=tuple(raw["name_emoji"]),
        businesses=tuple((b[0], b[1]) for b in raw["businesses"]),
        ddds=tuple(int(ddd) for ddd, n in raw["ddd_weights"].items() for _ in range(n)),
        bairros=dict(raw["bairros"]),
        streets=tuple(words["streets"]),
        models=tuple(words["models"]),
        generic_products=tuple(words["generic_products"]),
        screen_prices=tuple(words["screen_prices"]),
        products=dict(raw["products"]),
        cases=dict(raw["cases"]),
    )


def load_shop(path: Path = HERE / "shop.toml") -> Shop:
    raw = _read(path)
    return Shop(
        name=raw["name"],
        device=raw["device"],
        address=raw["address"],
        location=(raw["location"]["lat"], raw["location"]["lng"]),
        pix_key=raw["pix_key"],
        chatbot_greeting=raw["chatbot_greeting"],
        order_first=raw["order_first"],
        history_days=raw["history_days"],
        users=tuple(
            User(
                u["login"], u["name"], u["admin"], tuple(u["departments"]), tuple(u["permissions"])
            )
            for u in raw["users"]
        ),
        staff={d: tuple((p[0], p[1]) for p in people) for d, people in raw["staff"].items()},
        tags=dict(raw["tags"]),
        funnel=raw["funnel"]["name"],
        stages=tuple(raw["funnel"]["stages"]),
        stage_by_tag=tuple((t, s) for t, s in raw["funnel"]["stage_by_tag"]),
        fields=tuple(
            Field(f["name"], f["kind"], f.get("options"), tuple(f.get("values", ())))
            for f in raw["fields"]
        ),
    )


WORDS = load_words()
SHOP = load_shop()
