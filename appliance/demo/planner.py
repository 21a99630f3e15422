"""The demo shop planned in memory: customers, their conversations drawn from the scenarios
file, receipts and the chats' summary columns. Nothing here touches the database; the same
seed and "now" give the same plan."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance.core.clock import now_ms
from appliance.core.text import preview
from appliance.demo.data import SCENARIOS_FILE, SHOP, WORDS, Scenario, Scenarios, load_scenarios

DEFAULT_SEED = 2026


@dataclass
class PlannedMessage:
    direction: str
    author_kind: str
    author: str | None
    kind: str
    body: str
    media: dict[str, Any] | None
    sent_at: int
    registered_at: int
    status: str = "received"
    status_at: int = 0
    wa_id: str = ""


@dataclass
class PlannedChat:
    wa_id: str
    lid: str | None
    phone: str | None
    wa_name: str
    custom_name: str | None = None
    first_name: str = ""
    is_broadcast: bool = False
    registered_at: int = 0
    archived: bool = False
    chatbot_enabled: bool = True
    unread_count: int = 0
    waiting_since: int | None = None
    messages: list[PlannedMessage] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    assignees: list[tuple[str, str]] = field(default_factory=list)
    assigned_at: int = 0


def money(cents: int) -> str:
    reais, cents = divmod(cents, 100)
    return f"R$ {reais:,}".replace(",", ".") + f",{cents:02d}"


class _Planner:
    """Builds the whole shop in memory; nothing here touches the database."""

    def __init__(self, rng: random.Random, now: int, zone: str) -> None:
        self.rng = rng
        self.now = now
        self.tz = ZoneInfo(zone)
        self.first_sync_at = self.local(SHOP.history_days + 1, 10, 0)
        self._phones: set[str] = set()
        self._wa_ids: set[str] = set()
        self._order = 48_000

    # -- time -------------------------------------------------------------------------------

    def local(self, days_ago: int, hour: int, minute: int) -> int:
        today = datetime.fromtimestamp(self.now / 1000, self.tz).date()
        day = today - timedelta(days=days_ago)
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        return int(moment.timestamp() * 1000)

    def _is_open(self, ms: int) -> bool:
        moment = datetime.fromtimestamp(ms / 1000, self.tz)
        closes = 14 if moment.weekday() == 5 else 19
        return moment.weekday() != 6 and 9 <= moment.hour < closes

    def _next_opening(self, ms: int) -> int:
        moment = datetime.fromtimestamp(ms / 1000, self.tz)
        day = moment.date() if moment.hour < 9 else moment.date() + timedelta(days=1)
        if day.weekday() == 6:
            day += timedelta(days=1)
        opening = datetime(day.year, day.month, day.day, 9, 0, tzinfo=self.tz)
        return int(opening.timestamp() * 1000) + self.rng.randint(2, 40) * 60_000

    def episode_start(self, days_ago: int) -> int:
        """When a conversation opens: mostly in opening hours, some in the evening."""
        rng = self.rng
        if days_ago == 0:
            earliest = max(self.local(0, 8, 30), self.now - 4 * 3_600_000)
            latest = self.now - 5 * 60_000
            if latest - earliest > 10 * 60_000:
                return rng.randint(earliest, latest)
            days_ago = 1
        weekday = datetime.fromtimestamp(self.local(days_ago, 12, 0) / 1000, self.tz).weekday()
        if weekday == 6 and rng.random() < 0.7:
            days_ago += 1
            weekday = 5
        if rng.random() < 0.8:
            hour = rng.randint(9, 12) if weekday >= 5 else rng.randint(9, 17)
            return self.local(days_ago, hour, rng.randint(0, 59))
        return self.local(days_ago, rng.choice((7, 8, 19, 20, 21)), rng.randint(0, 59))

    def _greeting(self, ms: int) -> str:
        hour = datetime.fromtimestamp(ms / 1000, self.tz).hour
        return "Bom dia" if hour < 12 else "Boa tarde" if hour < 18 else "Boa noite"

    # -- identities -------------------------------------------------------------------------

    def _phone(self) -> str:
        while True:
            ddd = self.rng.choice(WORDS.ddds)
            number = f"+55{ddd}9{self.rng.choice('6789')}{self.rng.randrange(10**7):07d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def _lid(self) -> str:
        return f"{self.rng.randrange(10**14, 10**15)}@lid"

    def _wa_message_id(self, outbound_from_box: bool) -> str:
        while True:
            if outbound_from_box:
                wa_id = f"3EB0{self.rng.getrandbits(72):018X}"
            else:
                wa_id = f"{self.rng.getrandbits(128):032X}"
            if wa_id not in self._wa_ids:
                self._wa_ids.add(wa_id)
                return wa_id

    def customer(self, index: int) -> PlannedChat:
        rng = self.rng
        first = rng.choice(WORDS.first_names)
        roll = rng.random()
        if roll < 0.45:
            name = f"{first} {rng.choice(WORDS.last_names)}"
        elif roll < 0.72:
            name = first
        elif roll < 0.88:
            name = f"{first} {rng.choice(WORDS.name_emoji)}"
        elif roll < 0.92:
            name = rng.choice(WORDS.nicknames)
            first = ""
        elif roll < 0.95:
            name, first = rng.choice(WORDS.businesses)
        else:
            name, first = "", ""
        if index % 53 == 7:
            # LID-only: WhatsApp hides this customer's number from the shop.
            lid = self._lid()
            return PlannedChat(wa_id=lid, lid=lid, phone=None, wa_name=name, first_name=first)
        phone = self._phone()
        chat = PlannedChat(
            wa_id=f"{phone[1:]}@s.whatsapp.net",
            lid=self._lid() if rng.random() < 0.1 else None,
            phone=phone,
            wa_name=name,
            first_name=first,
        )
        if rng.random() < 0.07:
            base = first or "Cliente"
            chat.custom_name = rng.choice(
                (f"{base} (atacado)", f"{base} - troca de tela", f"{base} Icaraí")
            )
        return chat

    # -- conversations ----------------------------------------------------------------------

    def _context(self, chat: PlannedChat, start: int, staff: str) -> dict[str, str]:
        rng = self.rng
        hour = datetime.fromtimestamp(start / 1000, self.tz).hour
        saud = "Bom dia" if hour < 12 else "Boa tarde" if hour < 18 else "Boa noite"
        case = rng.choice(list(WORDS.cases))
        o_product, price = rng.choice(list(WORDS.products.items()))
        o_product2, price2 = rng.choice(list(WORDS.products.items()))
        product, product2 = o_product[2:], o_product2[2:]
        em_bairro = rng.choice(list(WORDS.bairros))
        bairro = em_bairro.split(" ", 1)[1]
        frete = WORDS.bairros[em_bairro] * 100
        self._order += rng.randint(3, 40)
        depart = datetime.fromtimestamp((start + rng.randint(30, 150) * 60_000) / 1000, self.tz)
        return {
            "oi": rng.choice(("Oi", "Olá", saud, saud, "Oii", "Opa")),
            "saud": saud,
            "voc": f", {chat.first_name}" if chat.first_name else "",
            "nome_ou_oi": chat.first_name or saud,
            "modelo": rng.choice(WORDS.models),
            "produto": product,
            "Produto": product[0].upper() + product[1:],
            "preco": money(price),
            "produto2": product2,
            "Produto2": product2[0].upper() + product2[1:],
            "preco2": money(price2),
            "produto3": rng.choice(WORDS.generic_products),
            "total": money(price2 + frete),
            "bairro": bairro,
            "em_bairro": em_bairro,
            "o_produto2": o_product2,
            "um_produto2": ("um " if o_product2[0] == "o" else "uma ") + product2,
            "frete": money(frete),
            "pedido": str(self._order),
            "hora": depart.strftime("%Hh%M"),
            "rua": rng.choice(WORDS.streets),
            "num": str(rng.randint(12, 1400)),
            "atendente": staff,
            "preco_tela": money(rng.choice(WORDS.screen_prices)),
            "capinha": case,
            "Capinha": case[0].upper() + case[1:],
            "preco_capinha": money(WORDS.cases[case]),
            "pix": SHOP.pix_key,
            "dia": rng.choice(("amanhã", "sábado", "segunda", "quinta")),
        }

    def _media(self, kind: str, body: str) -> tuple[str, dict[str, Any] | None]:
        rng = self.rng
        if kind == "image":
            return body, {
                "mimetype": "image/jpeg",
                "size": rng.randint(60, 900) * 1024,
                "caption": body,
            }
        if kind == "video":
            return body, {
                "mimetype": "video/mp4",
                "seconds": rng.randint(5, 30),
                "size": rng.randint(900, 6000) * 1024,
                "caption": body,
            }
        if kind == "voice":
            seconds = rng.randint(4, 48)
            return "", {
                "mimetype": "audio/ogg; codecs=opus",
                "seconds": seconds,
                "size": seconds * 4200,
            }
        if kind == "document":
            return body, {
                "mimetype": "application/pdf",
                "filename": "Catálogo Vila Cell - atacado.pdf",
                "size": 2_400_000,
                "caption": body,
            }
        if kind == "location":
            lat, lng = SHOP.location
            return "", {
                "mimetype": "",
                "extra": {"lat": lat, "lng": lng, "name": SHOP.name, "address": SHOP.address},
            }
        if kind == "sticker":
            return "", {"mimetype": "image/webp", "size": rng.randint(8, 40) * 1024}
        return body, None

    def episode(
        self,
        chat: PlannedChat,
        scenario: Scenario,
        start: int,
        staff: tuple[str, str],
        cut: int | None,
    ) -> list[PlannedMessage]:
        """One conversation of ``scenario`` from ``start``; ``cut`` keeps only the first steps."""
        rng = self.rng
        login, staff_name = staff
        ctx = self._context(chat, start, staff_name.split()[0])
        steps = scenario.steps if cut is None else scenario.steps[:cut]
        out: list[PlannedMessage] = []
        at = start
        previous = ""
        greeted = False
        for step in steps:
            who = step.who
            kind = rng.choice(step.kinds)
            template = rng.choice(step.texts)
            if previous:
                at += (rng.randint(60, 1500) if who != previous else rng.randint(8, 90)) * 1000
            if who == "s" and previous == "c" and not self._is_open(at):
                if not greeted:
                    out.append(
                        self.outbound(
                            "chatbot",
                            None,
                            "text",
                            SHOP.chatbot_greeting,
                            None,
                            at - rng.randint(40, 55) * 1000,
                        )
                    )
                    greeted = True
                at = self._next_opening(at)
            if who == "s" or not previous:
                ctx["saud"] = self._greeting(at)
            body, media = self._media(kind, template.format(**ctx))
            if who == "c":
                lag = rng.randint(300, 2500)
                out.append(PlannedMessage("in", "customer", None, kind, body, media, at, at + lag))
            else:
                author_kind = "phone" if rng.random() < 0.12 else "user"
                out.append(
                    self.outbound(
                        author_kind, login if author_kind == "user" else None, kind, body, media, at
                    )
                )
            previous = who
        return out

    def outbound(
        self,
        author_kind: str,
        author: str | None,
        kind: str,
        body: str,
        media: dict[str, Any] | None,
        at: int,
    ) -> PlannedMessage:
        registered = at - self.rng.randint(400, 2500) if author_kind != "phone" else at + 800
        return PlannedMessage(
            "out",
            author_kind,
            author,
            kind,
            body,
            media,
            at,
            registered,
            status="sent",
            status_at=at,
        )

    def finish(self, chat: PlannedChat) -> None:
        """Receipts, wa ids and the chat's summary columns, from its messages."""
        rng = self.rng
        chat.messages.sort(key=lambda m: m.sent_at)
        next_inbound: int | None = None
        for message in reversed(chat.messages):
            if message.direction == "in":
                next_inbound = message.sent_at
                message.wa_id = self._wa_message_id(False)
                message.status_at = message.registered_at
                continue
            message.wa_id = self._wa_message_id(message.author_kind != "phone")
            delivered = message.sent_at + rng.randint(1, 40) * 1000
            if chat.is_broadcast:
                message.status, message.status_at = "sent", message.sent_at
            elif next_inbound is not None:
                message.status = "read"
                message.status_at = min(next_inbound - 1000, delivered + rng.randint(5, 600) * 1000)
            else:
                old = self.now - message.sent_at > 2 * 3_600_000
                roll = rng.random()
                if (old and roll < 0.75) or roll < 0.35:
                    message.status = "read"
                    message.status_at = min(self.now, delivered + rng.randint(60, 3600) * 1000)
                elif roll < 0.85:
                    message.status, message.status_at = "delivered", min(self.now, delivered)
                else:
                    message.status, message.status_at = "sent", message.sent_at
        trailing = 0
        for message in reversed(chat.messages):
            if message.direction != "in":
                break
            trailing += 1
        chat.waiting_since = chat.messages[-trailing].sent_at if trailing else None
        if not chat.registered_at:
            chat.registered_at = chat.messages[0].registered_at


def preview_of(message: PlannedMessage) -> str:
    media = message.media or {}
    if message.kind == "voice":
        seconds = int(media.get("seconds", 0))
        return f"🎤 Mensagem de voz ({seconds // 60}:{seconds % 60:02d})"
    labels = {
        "image": "📷 Foto",
        "video": "🎥 Vídeo",
        "document": "📄 Documento",
        "location": "📍 Localização",
        "sticker": "Figurinha",
        "contact": "👤 Contato",
    }
    if message.kind in labels:
        label = labels[message.kind]
        return f"{label[:2]}{preview(message.body)}" if message.body else label
    return preview(message.body)


def plan_demo_shop(
    chats: int = 320,
    seed: int = DEFAULT_SEED,
    now: int | None = None,
    zone: str = "America/Sao_Paulo",
    scenarios: Path = SCENARIOS_FILE,
) -> tuple[list[PlannedChat], int]:
    """The chats of the demo shop (customers first, then its broadcast lists), their
    conversations drawn from the ``scenarios`` file."""
    script = load_scenarios(scenarios)
    rng = random.Random(seed)
    planner = _Planner(rng, now if now is not None else now_ms(), zone)
    customers = [planner.customer(i) for i in range(chats)]
    # The newest activity first: waiting and unread chats are the recent ones.
    recency = sorted(min(int(rng.expovariate(1 / 6)), SHOP.history_days - 1) for _ in customers)
    waiting_n, unread_n, archived_n = round(chats * 0.26), round(chats * 0.15), round(chats * 0.10)
    recent_first = list(range(chats))
    rng.shuffle(recent_first)
    for rank, index in enumerate(recent_first):
        chat = customers[index]
        waiting = rank < waiting_n
        days = [0 if waiting and rank % 3 == 0 else recency[rank]]
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            earlier = days[-1] + rng.randint(3, 12)
            if earlier < SHOP.history_days:
                days.append(earlier)
        _converse(planner, script, chat, days, waiting)
        if waiting and rank < unread_n:
            chat.unread_count = len(_trailing_inbound(chat.messages))
        elif waiting and rank % 7 == 3:
            last = chat.messages[-1]
            # The phone held this one back for a while (M2 shows the gap).
            last.registered_at = min(planner.now - 30_000, last.sent_at + 14 * 60_000)
            last.status_at = last.registered_at
    quiet = sorted(recent_first[waiting_n:], key=lambda i: customers[i].messages[-1].sent_at)
    for index in quiet[:archived_n]:
        customers[index].archived = True
    result = sorted(customers, key=lambda c: c.registered_at) + _broadcast_lists(planner, script)
    _number_orders_in_time_order(result)
    return result, planner.first_sync_at


def _converse(
    planner: _Planner, script: Scenarios, chat: PlannedChat, days: list[int], waiting: bool
) -> None:
    """The chat's conversations, newest first, one on each of ``days`` (days ago).

    A waiting chat's newest conversation stops after a customer's message.
    """
    rng = planner.rng
    later_start: int | None = None
    for position, day in enumerate(days):
        scenario = rng.choices(script.scenarios, [s.weight for s in script.scenarios])[0]
        cut = None
        if waiting and position == 0:
            customer_steps = [i for i, s in enumerate(scenario.steps) if s.who == "c"]
            cut = rng.choice(customer_steps[:3]) + 1
            while cut < len(scenario.steps) and scenario.steps[cut].who == "c":
                cut += 1
        person = rng.choice(SHOP.staff[scenario.department])
        limit = (later_start - 3_600_000) if later_start is not None else planner.now - 60_000
        # A conversation that would run past ``limit`` happens a day earlier.
        for earlier in range(day, day + 8):
            messages = planner.episode(chat, scenario, planner.episode_start(earlier), person, cut)
            if max(m.registered_at for m in messages) <= limit:
                break
        else:
            continue
        later_start = min(m.sent_at for m in messages)
        chat.messages.extend(messages)
        chat.tags.update(t for t in scenario.tags if rng.random() < 0.8)
        if position == 0:
            chat.assigned_at = later_start
            chat.assignees = _assignees(rng, scenario.department, person[0])
    if len(days) == 1 and rng.random() < 0.3:
        chat.tags.add("Primeira compra")
    if rng.random() < 0.06:
        chat.tags.add("Cliente VIP")
    if rng.random() < 0.35 and min(days) > 20:
        chat.registered_at = planner.first_sync_at
    chat.chatbot_enabled = rng.random() > 0.1
    planner.finish(chat)


def _broadcast_lists(planner: _Planner, script: Scenarios) -> list[PlannedChat]:
    rng = planner.rng
    lists = []
    for name, bodies in script.broadcasts.items():
        chat = PlannedChat(
            wa_id=f"{rng.randrange(1_600_000_000, 1_700_000_000)}@broadcast",
            lid=None,
            phone=None,
            wa_name=name,
            is_broadcast=True,
            chatbot_enabled=False,
        )
        day = SHOP.history_days - 2
        for body in bodies:
            day = max(1, day - rng.randint(5, 14))
            at = planner.local(day, rng.randint(9, 11), rng.randint(0, 59))
            chat.messages.append(planner.outbound("user", "admin", "text", body, None, at))
        planner.finish(chat)
        lists.append(chat)
    return lists


ORDER_RE = re.compile(r"#(\d+)")


def _number_orders_in_time_order(chats: list[PlannedChat]) -> None:
    """Order numbers grow with time, as a shop's counter does."""
    first_seen: dict[str, int] = {}
    for chat in chats:
        for message in chat.messages:
            for number in ORDER_RE.findall(message.body):
                first_seen[number] = min(first_seen.get(number, message.sent_at), message.sent_at)
    renumber: dict[str, str] = {}
    number = SHOP.order_first
    for old in sorted(first_seen, key=lambda n: (first_seen[n], n)):
        # Orders taken at the counter fill the gaps.
        number += 1 + int(old) % 9
        renumber[old] = str(number)
    for chat in chats:
        for message in chat.messages:
            if "#" in message.body:
                message.body = ORDER_RE.sub(lambda m: "#" + renumber[m.group(1)], message.body)
                if message.media and "caption" in message.media:
                    message.media["caption"] = message.body


def _trailing_inbound(messages: list[PlannedMessage]) -> list[PlannedMessage]:
    out: list[PlannedMessage] = []
    for message in reversed(messages):
        if message.direction != "in":
            break
        out.append(message)
    return out


def _assignees(rng: random.Random, department: str, login: str) -> list[tuple[str, str]]:
    roll = rng.random()
    if roll < 0.15:
        return []
    if roll < 0.45:
        return [("department", department)]
    user = login if login != "admin" else ("ana" if department == "Vendas" else "bruno")
    if roll < 0.75:
        return [("user", user)]
    if roll < 0.95:
        return [("user", user), ("department", department)]
    return [("user", "ana"), ("user", "bruno")]
