"""The demo shop: a phone-accessories store in Niterói with six weeks of WhatsApp history.

``balcao seed-demo`` fills an empty database (no users yet) with three logins,
the simulated phone, tags, departments and a few hundred conversations. The
same seed gives the same shop, so screenshots and benchmarks can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance.areas.accounts import service as accounts
from appliance.areas.assignments import service as assignments
from appliance.areas.attendance import service as attendance
from appliance.areas.devices.service import create_device
from appliance.areas.fields import service as fields
from appliance.areas.funnels import service as funnels
from appliance.core.clock import now_ms
from appliance.core.db import Conn, Database, migrate
from appliance.core.settings import Settings
from appliance.core.text import preview, sort_key

DEFAULT_SEED = 2026
SHOP_NAME = "Vila Cell Acessórios"
DEVICE_NAME = "Celular da loja"
HISTORY_DAYS = 42
ORDER_FIRST = 48_120
TOKEN_FILE = "bridge.token"

# login, display name, admin, departments, permissions
DEMO_USERS: tuple[tuple[str, str, bool, tuple[str, ...], tuple[str, ...]], ...] = (
    ("admin", "Carla (gerente)", True, (), ()),
    ("ana", "Ana Souza", False, ("Vendas",), ("see_numbers",)),
    ("bruno", "Bruno Lima", False, ("Suporte",), ()),
)
# The demo's passwords are its logins, shorter than the 8 characters asked of every new
# password: they are written straight into the demo database, for trying the shop out only.
DEMO_LOGINS_TEXT = (
    "admin/admin (administradora), ana/ana (Vendas), bruno/bruno (Suporte) — senhas curtas só "
    "na demonstração; senhas novas precisam de 8 caracteres ou mais"
)

TAGS: dict[str, str] = {
    "Cliente VIP": "#f5a623",
    "Primeira compra": "#00acc1",
    "Orçamento": "#5b8def",
    "Aguardando Pix": "#fbc02d",
    "Pedido pago": "#2e7d32",
    "Entrega": "#00897b",
    "Retirada na loja": "#8e24aa",
    "Troca/Garantia": "#e53935",
    "Reclamação": "#c62828",
    "Atacado": "#6d4c41",
}


def _items(text: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(sep) if item.strip())


def _numbered(text: str) -> dict[str, int]:
    """ "Icaraí 8, Ingá 10" -> {"Icaraí": 8, "Ingá": 10}."""
    pairs = (item.rsplit(" ", 1) for item in _items(text))
    return {name: int(number) for name, number in pairs}


FIRST_NAMES = _items("""
    Ana Clara, João, Maria, José, Luíza, Antônio, Conceição, Sebastião, Lúcia, Fábio, Letícia,
    Márcio, Cláudia, Sérgio, Débora, Vinícius, Patrícia, Rogério, Júlia, André, Mônica, Caio,
    Fernanda, Thiago, Aline, Rafael, Priscila, Gustavo, Simone, Paulo, Juliana, Marcelo, Beatriz,
    Flávio, Tânia, Leandro, Camila, Rodrigo, Vânia, Diego, Íris, Everton, Raquel, Wellington,
    Adriana, Jéssica, Cássio, Núbia
""")
LAST_NAMES = _items("""
    Silva, Santos, Oliveira, Souza, Conceição, Araújo, Gonçalves, Ribeiro, Fernandes, Magalhães,
    Patrício, Brandão, Lopes, Assunção, Nóbrega, Simões, Damião, Cardoso, Müller, Falcão,
    Guimarães, Peçanha, Romão, Teixeira
""")
NICKNAMES = _items("""
    Zé do Gás 🔥, Tia Cléa 🌻, Juninho ⚽, Dona Glória 🙏, Nanda 💅, Léo Uber 🚗, Mãe do Davi 💙,
    Rê 🌸, Gordinho 🍔, Tatá ✨, Seu Zé, Kaká 😎
""")
NAME_EMOJI = _items("✨ 🌻 💙 🙏 ⚽ 🌸 😊 🎶", " ")
# WhatsApp name, the person who writes
BUSINESSES = tuple(
    tuple(_items(pair, "/"))
    for pair in _items("""
        Salão Beleza Pura 💇‍♀️ / Rose, Banca do Sérgio / Sérgio, Açaí da Praça 🍧 / Michele,
        Pet Shop Focinho Feliz 🐶 / Renan, Ótica Visão Icaraí / Marta, Chaveiro São João 🔑 / Wagner
    """)
)
DDDS = (21,) * 14 + (22, 24, 11, 31, 27)
# "em Icaraí", "no Centro": the bairro with its preposition, and the delivery fee in reais
BAIRROS = _numbered("""
    em Icaraí 8, em Santa Rosa 10, no Ingá 8, em São Francisco 12, no Fonseca 12, no Barreto 14,
    no Centro 8, em Piratininga 18, em Itaipu 20, em Charitas 14, em Camboinhas 20,
    no Largo da Batalha 15, na Engenhoca 14, em Pendotiba 16, em Alcântara (São Gonçalo) 22,
    em Neves (São Gonçalo) 18, em Maria Paula 18
""")
STREETS = _items("""
    Rua Moreira César, Rua Gavião Peixoto, Av. Roberto Silveira, Rua Mário Alves,
    Rua Noronha Torrezão, Av. Jansen de Mello, Rua Dr. Paulo César, Estrada Francisco da Cruz Nunes
""")
MODELS = _items("""
    iPhone 11, iPhone 13, iPhone 15, Galaxy A15, Galaxy A54, Galaxy S23, Moto G54, Moto G84,
    Redmi Note 13, Poco X6, Galaxy A05s, Moto E22
""")
# with its article, and the price in cents
PRODUCTS = _numbered("""
    a capinha antichoque 3990, a película 3D 2990, o carregador turbo 25W 8990,
    o cabo USB-C reforçado 3490, o fone bluetooth 12990, o suporte veicular 4990,
    o power bank de 10 mil mAh 14990, a capinha carteira 4990, a película de privacidade 4490,
    o cartão de memória 128 GB 6990, a caixinha de som bluetooth 17990, o smartwatch 24990
""")
GENERIC_PRODUCTS = _items(
    "fone bluetooth, carregador turbo 25W, power bank, cabo USB-C, smartwatch"
)
SCREEN_PRICES = (34900, 42900, 59900, 89900, 119900)
CASES = _numbered("""
    capinha antichoque 3990, capinha carteira 4990, capinha de silicone 2990,
    capinha transparente com borda colorida 3490
""")
CHATBOT_GREETING = (
    "Olá! 👋 Você falou com a Vila Cell Acessórios. Nosso horário é de segunda a sexta das 9h "
    "às 19h e sábado das 9h às 14h. Respondemos assim que abrirmos!"
)
ADDRESS = "Rua Gavião Peixoto, 182 - Icaraí, Niterói"
PIX_KEY = "CNPJ 12.345.678/0001-90"

# One conversation per block: "= name | department | tags | weight", then one line per message:
# "c" (customer) or "s" (shop), the kind ("image/video" picks one), then the text; "||"
# separates alternatives and "~" is an empty caption. Indented lines continue the text.
SCRIPTS = """
= compra_pix | Vendas | Pedido pago, Retirada na loja | 16
c text {oi}! Vocês têm {capinha} pro {modelo}? || {oi}, tudo bem? Tem {capinha} para {modelo}?
s text {saud}{voc}! Temos sim 😊 {Capinha} para {modelo} por {preco_capinha}.
c text Tem em outras cores? || Tem preta? || Chegou a rosa?
s text Temos preta, azul-marinho, rosa e transparente.
c text Vou querer a preta. Aceita Pix?
s text Aceita sim! Chave Pix: {pix} (Vila Cell). Total {preco_capinha}.
c image Segue o comprovante || Pix feito ✅ || ~
s text Pagamento confirmado ✅ Pedido #{pedido}. Fica separado no balcão no seu nome.
c text Passo aí no fim da tarde 👍 || Obrigada! || Valeu, mais tarde eu pego

= entrega | Vendas | Entrega, Pedido pago | 14
c text {oi}, vocês entregam {em_bairro}? || Faz entrega {em_bairro}?
s text {saud}{voc}! Entregamos sim. A taxa de entrega é {frete} e pedidos até as 16h saem
    no mesmo dia 🛵
c text Quero {um_produto2}. Quanto fica com a entrega?
s text {Produto2} sai por {preco2}; com a entrega fica {total}.
c text Pode mandar. {rua}, {num} - {bairro}
s text Anotado! Pedido #{pedido}. Pix ou cartão na entrega?
c text Pix || Cartão, na entrega || Pix, me passa a chave
s text Chave Pix: {pix}. Assim que cair a gente despacha.
c image Pago! || ~
s text Recebido, obrigado! O motoboy sai às {hora} 🛵
c text Chegou aqui, obrigada! || Recebi, valeu! || 👍

= status_pedido | Vendas | Entrega | 8
c text {oi}! O pedido #{pedido} já saiu pra entrega? || Meu pedido #{pedido} já saiu?
s text {saud}{voc}! Saiu às {hora}, deve chegar em até 40 minutos.
c text Chegou, obrigada! || Ok, obrigado || Beleza, fico aguardando
s text Nós que agradecemos! Qualquer coisa é só chamar 😊

= garantia | Suporte | Troca/Garantia | 10
c text {oi}, comprei um {produto3} aí semana passada e parou de funcionar 😕
    || {oi}. O {produto3} que comprei com vocês não carrega mais
s text {saud}{voc}! Poxa, sinto muito. Pode mandar uma foto do produto e o número do pedido?
c image/video Olha aqui || ~
c text Pedido #{pedido}
s text Obrigado! Está dentro da garantia de 90 dias. Pode trazer na loja que trocamos na hora.
c text Posso ir {dia} de manhã?
s text Pode sim, abrimos às 9h. É só procurar o {atendente} no balcão.

= audio | Vendas | Retirada na loja | 8
c voice ~
s text {saud}{voc}! Ouvi seu áudio. Temos sim {produto} para {modelo}, fica {preco}.
    Quer que eu separe?
c text Quero sim, passo aí no sábado || Separa sim por favor
s text Separado no seu nome 👍 Sábado abrimos das 9h às 14h.

= horario | Vendas | | 6
c text Vocês abrem no feriado? || Que horas fecha hoje? || {oi}, abre domingo?
s text {saud}! De segunda a sexta ficamos abertos até as 19h 😉 || {saud}! Domingo e feriado
    fechamos; de segunda a sexta é das 9h às 19h.
c text Obrigado || Valeu! || 🙏

= troca_tela | Suporte | Orçamento | 9
c text {oi}, quanto fica a troca de tela do {modelo}?
    || Vocês trocam tela de {modelo}? Caiu e trincou tudo 😭
s text {saud}{voc}! A troca de tela do {modelo} fica {preco_tela}, com película de brinde e
    pronta em 2 horas.
c text Parcela no cartão?
s text Parcelamos em até 3x sem juros no cartão.
c text Vou pensar e te falo || Fechado, levo {dia} || Ok, obrigado
s text Tranquilo! O orçamento vale por 7 dias.

= atacado | Vendas | Atacado, Orçamento | 4
c text {saud}, vocês vendem no atacado? Tenho uma banca {em_bairro}
s text {saud}{voc}! Vendemos sim: acima de 20 peças tem 30% de desconto.
s document Segue nosso catálogo 📄
c text Top! Vou ver e te falo || Me vê 30 películas 3D de modelos variados
s text Qualquer dúvida estou à disposição 🙂

= localizacao | Vendas | | 5
c text Onde fica a loja? || {oi}! Qual o endereço de vocês?
s location ~
s text Fica a uma quadra da praia, em frente à farmácia.
c text Tem estacionamento perto?
s text Tem rotativo na esquina, e pagamos 1h para compras acima de R$ 100 😉
c sticker ~

= atraso | Suporte | Reclamação, Entrega | 4
c text O pedido #{pedido} era pra ter chegado ontem e até agora nada
s text {nome_ou_oi}, peço desculpas pelo atraso! Vou verificar com o entregador agora mesmo.
s text Verifiquei: houve um problema na rota. Sai hoje no primeiro horário e não vamos cobrar
    a entrega 🙏
c text Ok, aguardo || Tá bom, mas me avisa quando sair || Ok

= pix_pendente | Vendas | Aguardando Pix, Orçamento | 6
c text {oi}! Quanto tá {o_produto2}?
s text {saud}{voc}! {Produto2} está {preco2} à vista no Pix ou em 3x no cartão.
c text Vou fazer o Pix mais tarde e te mando || Me manda a chave que faço já já
s text Chave Pix: {pix}. Assim que mandar o comprovante eu separo 😉
"""

BROADCASTS = {
    "Promoções da semana": _items(
        """
        🔥 Promoção da semana: capinhas antichoque a partir de R$ 29,90! Válido até sábado.
        | Chegaram películas de privacidade para iPhone e Galaxy 📱 R$ 44,90 com aplicação.
        | Black Friday Vila Cell: 20% de desconto em fones e caixinhas de som 🎧
        """,
        "|",
    ),
    "Clientes VIP ⭐": _items(
        """
        Oi! Como cliente VIP você tem 15% de desconto em qualquer carregador esta semana 😉
        | Novidade: smartwatches chegaram! Clientes VIP reservam antes pelo WhatsApp ⌚
        """,
        "|",
    ),
    "Avisos de chegada": _items(
        """
        Chegou o lote de capinhas do iPhone 15 e Galaxy A15 📦
        | Atenção: sábado dia 15 abriremos só até as 12h.
        | Reposição de power banks de 10 mil mAh disponível na loja 🔋
        """,
        "|",
    ),
}


@dataclass(frozen=True)
class Scenario:
    name: str
    department: str
    tags: tuple[str, ...]
    weight: int
    # (who, kinds, text alternatives)
    steps: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]


def parse_scripts(text: str) -> tuple[Scenario, ...]:
    """Scenarios from the ``SCRIPTS`` notation."""
    scenarios: list[Scenario] = []
    for block in ("\n" + text.strip()).split("\n= ")[1:]:
        header, *lines = block.split("\n")
        name, department, tags, weight = (part.strip() for part in header.split("|"))
        joined: list[str] = []
        for line in lines:
            if line.startswith("    "):
                joined[-1] += " " + line.strip()
            elif line.strip():
                joined.append(line)
        steps = []
        for line in joined:
            who, kinds, rest = [*line.split(" ", 2), ""][:3]
            texts = tuple("" if t.strip() == "~" else t.strip() for t in rest.split("||"))
            steps.append((who, tuple(kinds.split("/")), texts))
        scenarios.append(Scenario(name, department, _items(tags), int(weight), tuple(steps)))
    return tuple(scenarios)


SCENARIOS = parse_scripts(SCRIPTS)


@dataclass
class _Message:
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
class _Chat:
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
    messages: list[_Message] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    assignees: list[tuple[str, str]] = field(default_factory=list)
    assigned_at: int = 0


@dataclass(frozen=True)
class DemoShop:
    device_id: int
    bridge_token: str
    users: dict[str, int]
    chats: int
    messages: int


def money(cents: int) -> str:
    reais, cents = divmod(cents, 100)
    return f"R$ {reais:,}".replace(",", ".") + f",{cents:02d}"


class _Planner:
    """Builds the whole shop in memory; nothing here touches the database."""

    def __init__(self, rng: random.Random, now: int, zone: str) -> None:
        self.rng = rng
        self.now = now
        self.tz = ZoneInfo(zone)
        self.first_sync_at = self.local(HISTORY_DAYS + 1, 10, 0)
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
            ddd = self.rng.choice(DDDS)
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

    def customer(self, index: int) -> _Chat:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        roll = rng.random()
        if roll < 0.45:
            name = f"{first} {rng.choice(LAST_NAMES)}"
        elif roll < 0.72:
            name = first
        elif roll < 0.88:
            name = f"{first} {rng.choice(NAME_EMOJI)}"
        elif roll < 0.92:
            name = rng.choice(NICKNAMES)
            first = ""
        elif roll < 0.95:
            name, first = rng.choice(BUSINESSES)
        else:
            name, first = "", ""
        if index % 53 == 7:
            # LID-only: WhatsApp hides this customer's number from the shop.
            lid = self._lid()
            return _Chat(wa_id=lid, lid=lid, phone=None, wa_name=name, first_name=first)
        phone = self._phone()
        chat = _Chat(
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

    def _context(self, chat: _Chat, start: int, staff: str) -> dict[str, str]:
        rng = self.rng
        hour = datetime.fromtimestamp(start / 1000, self.tz).hour
        saud = "Bom dia" if hour < 12 else "Boa tarde" if hour < 18 else "Boa noite"
        case = rng.choice(list(CASES))
        o_product, price = rng.choice(list(PRODUCTS.items()))
        o_product2, price2 = rng.choice(list(PRODUCTS.items()))
        product, product2 = o_product[2:], o_product2[2:]
        em_bairro = rng.choice(list(BAIRROS))
        bairro = em_bairro.split(" ", 1)[1]
        frete = BAIRROS[em_bairro] * 100
        self._order += rng.randint(3, 40)
        depart = datetime.fromtimestamp((start + rng.randint(30, 150) * 60_000) / 1000, self.tz)
        return {
            "oi": rng.choice(("Oi", "Olá", saud, saud, "Oii", "Opa")),
            "saud": saud,
            "voc": f", {chat.first_name}" if chat.first_name else "",
            "nome_ou_oi": chat.first_name or saud,
            "modelo": rng.choice(MODELS),
            "produto": product,
            "Produto": product[0].upper() + product[1:],
            "preco": money(price),
            "produto2": product2,
            "Produto2": product2[0].upper() + product2[1:],
            "preco2": money(price2),
            "produto3": rng.choice(GENERIC_PRODUCTS),
            "total": money(price2 + frete),
            "bairro": bairro,
            "em_bairro": em_bairro,
            "o_produto2": o_product2,
            "um_produto2": ("um " if o_product2[0] == "o" else "uma ") + product2,
            "frete": money(frete),
            "pedido": str(self._order),
            "hora": depart.strftime("%Hh%M"),
            "rua": rng.choice(STREETS),
            "num": str(rng.randint(12, 1400)),
            "atendente": staff,
            "preco_tela": money(rng.choice(SCREEN_PRICES)),
            "capinha": case,
            "Capinha": case[0].upper() + case[1:],
            "preco_capinha": money(CASES[case]),
            "pix": PIX_KEY,
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
            return "", {
                "mimetype": "",
                "extra": {"lat": -22.9036, "lng": -43.1108, "name": SHOP_NAME, "address": ADDRESS},
            }
        if kind == "sticker":
            return "", {"mimetype": "image/webp", "size": rng.randint(8, 40) * 1024}
        return body, None

    def episode(
        self, chat: _Chat, scenario: Scenario, start: int, staff: tuple[str, str], cut: int | None
    ) -> list[_Message]:
        """One conversation of ``scenario`` from ``start``; ``cut`` keeps only the first steps."""
        rng = self.rng
        login, staff_name = staff
        ctx = self._context(chat, start, staff_name.split()[0])
        steps = scenario.steps if cut is None else scenario.steps[:cut]
        out: list[_Message] = []
        at = start
        previous = ""
        greeted = False
        for who, kinds, texts in steps:
            kind = rng.choice(kinds)
            template = rng.choice(texts)
            if previous:
                at += (rng.randint(60, 1500) if who != previous else rng.randint(8, 90)) * 1000
            if who == "s" and previous == "c" and not self._is_open(at):
                if not greeted:
                    out.append(
                        self.outbound(
                            "chatbot",
                            None,
                            "text",
                            CHATBOT_GREETING,
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
                out.append(_Message("in", "customer", None, kind, body, media, at, at + lag))
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
    ) -> _Message:
        registered = at - self.rng.randint(400, 2500) if author_kind != "phone" else at + 800
        return _Message(
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

    def finish(self, chat: _Chat) -> None:
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


def _preview_of(message: _Message) -> str:
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
) -> tuple[list[_Chat], int]:
    """The chats of the demo shop (customers first, then three broadcast lists)."""
    rng = random.Random(seed)
    planner = _Planner(rng, now if now is not None else now_ms(), zone)
    customers = [planner.customer(i) for i in range(chats)]
    # The newest activity first: waiting and unread chats are the recent ones.
    recency = sorted(min(int(rng.expovariate(1 / 6)), HISTORY_DAYS - 1) for _ in customers)
    waiting_n, unread_n, archived_n = round(chats * 0.26), round(chats * 0.15), round(chats * 0.10)
    recent_first = list(range(chats))
    rng.shuffle(recent_first)
    for rank, index in enumerate(recent_first):
        chat = customers[index]
        waiting = rank < waiting_n
        days = [0 if waiting and rank % 3 == 0 else recency[rank]]
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            earlier = days[-1] + rng.randint(3, 12)
            if earlier < HISTORY_DAYS:
                days.append(earlier)
        _converse(planner, chat, days, waiting)
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
    result = sorted(customers, key=lambda c: c.registered_at) + _broadcast_lists(planner)
    _number_orders_in_time_order(result)
    return result, planner.first_sync_at


STAFF = {
    "Vendas": [("ana", "Ana Souza"), ("admin", "Carla (gerente)")],
    "Suporte": [("bruno", "Bruno Lima"), ("admin", "Carla (gerente)")],
}
WEIGHTS = [s.weight for s in SCENARIOS]


def _converse(planner: _Planner, chat: _Chat, days: list[int], waiting: bool) -> None:
    """The chat's conversations, newest first, one on each of ``days`` (days ago).

    A waiting chat's newest conversation stops after a customer's message.
    """
    rng = planner.rng
    later_start: int | None = None
    for position, day in enumerate(days):
        scenario = rng.choices(SCENARIOS, WEIGHTS)[0]
        cut = None
        if waiting and position == 0:
            customer_steps = [i for i, s in enumerate(scenario.steps) if s[0] == "c"]
            cut = rng.choice(customer_steps[:3]) + 1
            while cut < len(scenario.steps) and scenario.steps[cut][0] == "c":
                cut += 1
        person = rng.choice(STAFF[scenario.department])
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


def _broadcast_lists(planner: _Planner) -> list[_Chat]:
    rng = planner.rng
    lists = []
    for name, bodies in BROADCASTS.items():
        chat = _Chat(
            wa_id=f"{rng.randrange(1_600_000_000, 1_700_000_000)}@broadcast",
            lid=None,
            phone=None,
            wa_name=name,
            is_broadcast=True,
            chatbot_enabled=False,
        )
        day = HISTORY_DAYS - 2
        for body in bodies:
            day = max(1, day - rng.randint(5, 14))
            at = planner.local(day, rng.randint(9, 11), rng.randint(0, 59))
            chat.messages.append(planner.outbound("user", "admin", "text", body, None, at))
        planner.finish(chat)
        lists.append(chat)
    return lists


ORDER_RE = re.compile(r"#(\d+)")


def _number_orders_in_time_order(chats: list[_Chat]) -> None:
    """Order numbers grow with time, as a shop's counter does."""
    first_seen: dict[str, int] = {}
    for chat in chats:
        for message in chat.messages:
            for number in ORDER_RE.findall(message.body):
                first_seen[number] = min(first_seen.get(number, message.sent_at), message.sent_at)
    renumber: dict[str, str] = {}
    number = ORDER_FIRST
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


def _trailing_inbound(messages: list[_Message]) -> list[_Message]:
    out: list[_Message] = []
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


def _write(
    conn: Conn, plan: list[_Chat], first_sync_at: int, hashes: dict[str, str], zone: str
) -> DemoShop | None:
    if conn.execute("SELECT 1 FROM app_user LIMIT 1").fetchone():
        return None
    accounts.ensure_account(conn, name=SHOP_NAME, time_zone=zone)
    conn.execute("UPDATE account SET name = ? WHERE id = 1", (SHOP_NAME,))
    departments = {name: accounts.create_department(conn, name) for name in ("Vendas", "Suporte")}
    users: dict[str, int] = {}
    for login, name, is_admin, depts, perms in DEMO_USERS:
        users[login] = accounts.create_user(
            conn,
            login=login,
            name=name,
            password_hash=hashes[login],
            is_admin=is_admin,
            permissions=list(perms),
            departments=[departments[d] for d in depts],
        )
    device_id, token = create_device(conn, DEVICE_NAME, "sim")
    conn.execute("UPDATE device SET first_sync_at = ? WHERE id = ?", (first_sync_at, device_id))
    tags = {
        name: int(
            conn.execute(
                "INSERT INTO tag(name, color, created_at) VALUES (?, ?, ?)",
                (name, color, first_sync_at),
            ).lastrowid
            or 0
        )
        for name, color in TAGS.items()
    }
    chat_ids: list[int] = []
    for chat in plan:
        last = chat.messages[-1]
        display = chat.custom_name or chat.wa_name
        cur = conn.execute(
            "INSERT INTO chat(device, wa_id, lid, phone, wa_name, custom_name, sort_name, "
            "is_broadcast, registered_at, archived, chatbot_enabled, unread_count, "
            "last_message_at, last_message_preview, last_message_from_me, last_message_status, "
            "waiting_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                device_id,
                chat.wa_id,
                chat.lid,
                chat.phone,
                chat.wa_name,
                chat.custom_name,
                sort_key(display),
                int(chat.is_broadcast),
                chat.registered_at,
                int(chat.archived),
                int(chat.chatbot_enabled),
                chat.unread_count,
                last.sent_at,
                _preview_of(last),
                int(last.direction == "out"),
                last.status if last.direction == "out" else None,
                chat.waiting_since,
            ),
        )
        chat_ids.append(int(cur.lastrowid or 0))
    conn.executemany(
        "INSERT INTO chat_tag(chat, tag) VALUES (?, ?)",
        [
            (cid, tags[t])
            for cid, chat in zip(chat_ids, plan, strict=True)
            for t in sorted(chat.tags)
        ],
    )
    # Message ids grow in arrival order, as they do when the bridge delivers them.
    rows = sorted(
        ((m, cid) for cid, chat in zip(chat_ids, plan, strict=True) for m in chat.messages),
        key=lambda pair: pair[0].registered_at,
    )
    conn.executemany(
        "INSERT INTO message(chat, device, wa_id, direction, author_kind, author_user, kind, "
        "body, media, status, status_at, sent_at, registered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                cid,
                device_id,
                m.wa_id,
                m.direction,
                m.author_kind,
                users[m.author] if m.author else None,
                m.kind,
                m.body,
                json.dumps(m.media, ensure_ascii=False) if m.media else None,
                m.status,
                m.status_at,
                m.sent_at,
                m.registered_at,
            )
            for m, cid in rows
        ],
    )
    receipts = []
    for message_id, status, sent_at, status_at in conn.execute(
        "SELECT id, status, sent_at, status_at FROM message WHERE direction = 'out'"
    ):
        receipts.append((message_id, "sent", sent_at))
        if status in ("delivered", "read"):
            receipts.append((message_id, "delivered", min(status_at, sent_at + 5000)))
        if status == "read":
            receipts.append((message_id, "read", status_at))
    conn.executemany("INSERT INTO message_receipt(message, status, at) VALUES (?, ?, ?)", receipts)
    _organize(conn, dict(zip(chat_ids, plan, strict=True)), users, departments)
    return DemoShop(device_id, token, users, len(plan), len(rows))


FUNNEL = ("Vendas", ("Interesse", "Orçamento enviado", "Aguardando pagamento", "Venda fechada"))
# The funnel stage a chat's tags put it at, most advanced first.
STAGE_BY_TAG = (
    ("Pedido pago", "Venda fechada"),
    ("Aguardando Pix", "Aguardando pagamento"),
    ("Orçamento", "Orçamento enviado"),
    ("Primeira compra", "Interesse"),
)
DEMO_FIELDS = (
    ("Modelo do aparelho", "text", None),
    ("CPF", "cpf", None),
    ("E-mail", "email", None),
    ("Aniversário", "date", None),
    ("Como conheceu a loja", "options", ["Instagram", "Indicação", "Passou na frente", "Google"]),
)
MODELS_SEEN = ("Galaxy A15", "Moto G84", "iPhone 13", "Redmi Note 13", "Galaxy S23 FE")
SOURCES = ("Instagram", "Indicação", "Passou na frente", "Google")
# Valid CPFs (check digits right) for the demo's customers.
DEMO_CPFS = ("529.982.247-25", "111.444.777-35", "390.533.447-05", "985.966.713-66")


def _organize(
    conn: Conn, chats: dict[int, _Chat], users: dict[str, int], departments: dict[str, int]
) -> None:
    """The demo's assignees and statuses with their histories, the sales funnel, custom
    fields and the queue, written through the modules' own services."""
    rng = random.Random(DEFAULT_SEED)
    admin = accounts.load_actor(conn, users["admin"])
    assert admin is not None
    attendance.ensure_default_statuses(conn)
    status = {s["name"]: s["id"] for s in attendance.list_statuses(conn)}
    funnel = funnels.create_funnel(conn, FUNNEL[0], list(FUNNEL[1]))
    stage = {s["name"]: s["id"] for s in funnel["stages"]}
    field = {
        name: fields.create_field(conn, name, kind, options)["id"]
        for name, kind, options in DEMO_FIELDS
    }
    assignments.set_queue(conn, [(users["ana"], False), (users["bruno"], False)], False)
    for chat_id, chat in chats.items():
        for kind, name in chat.assignees:
            by_queue = kind == "user" and rng.random() < 0.3
            assignments.put_assignee(
                conn,
                chat_id,
                kind,
                users[name] if kind == "user" else departments[name],
                assignments.QUEUE if by_queue else assignments.MANUAL,
                None if by_queue else users["admin"],
                at=chat.assigned_at,
            )
        if chat.is_broadcast:
            continue
        opened = chat.messages[0].sent_at if chat.messages else chat.registered_at
        attendance.change_status(conn, chat_id, status["Aberto"], at=opened)
        if chat.archived:
            closed = chat.messages[-1].sent_at + 3_600_000
            attendance.change_status(
                conn, chat_id, status["Em atendimento"], by_user=users["admin"], at=opened + 600_000
            )
            final = "Resolvido" if rng.random() < 0.8 else "Fechado"
            attendance.change_status(
                conn, chat_id, status[final], by_user=users["admin"], at=closed
            )
        elif chat.waiting_since is None and chat.assignees:
            attendance.change_status(
                conn, chat_id, status["Em atendimento"], by_user=users["admin"], at=opened + 600_000
            )
        elif chat.waiting_since is None:
            attendance.change_status(conn, chat_id, status["Aguardando"], at=opened + 600_000)
        for tag, stage_name in STAGE_BY_TAG:
            if tag in chat.tags:
                funnels.set_chat_stage(conn, admin, chat_id, funnel["id"], stage[stage_name])
                break
        if rng.random() < 0.35:
            fields.set_value(
                conn, admin, chat_id, field["Modelo do aparelho"], rng.choice(MODELS_SEEN)
            )
        if rng.random() < 0.2:
            fields.set_value(
                conn, admin, chat_id, field["Como conheceu a loja"], rng.choice(SOURCES)
            )
        if "Cliente VIP" in chat.tags:
            fields.set_value(conn, admin, chat_id, field["CPF"], rng.choice(DEMO_CPFS))


def seed_demo(
    db: Database,
    *,
    chats: int = 320,
    seed: int = DEFAULT_SEED,
    now: int | None = None,
    zone: str = "America/Sao_Paulo",
) -> DemoShop | None:
    """Fill an empty shop with the demo; None (and no change) when it already has users."""
    if db.read_sync(lambda conn: conn.execute("SELECT 1 FROM app_user LIMIT 1").fetchone()):
        return None
    plan, first_sync_at = plan_demo_shop(chats, seed, now, zone)
    hashes = {login: accounts.hash_password(login) for login, *_ in DEMO_USERS}
    return db.write_sync(_write, plan, first_sync_at, hashes, zone)


def write_bridge_token(settings: Settings, device_id: int, token: str) -> Path:
    """``<data>/devices/<id>/bridge.token`` (0600), where ``balcao bridge`` reads it."""
    folder = settings.device_dir(device_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    path.chmod(0o600)
    return path


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.db_path)
    db = Database(settings.db_path, readers=1)
    try:
        shop = seed_demo(db, chats=args.chats, zone=settings.time_zone)
    finally:
        db.close()
    if shop is None:
        print("A loja já tem usuários: a demonstração não foi criada de novo.")
        return 0
    path = write_bridge_token(settings, shop.device_id, shop.bridge_token)
    print(
        f"Loja de demonstração criada: {shop.chats} chats, {shop.messages} mensagens.\n"
        f"Logins: {DEMO_LOGINS_TEXT}.\n"
        f"Token do bridge do aparelho {shop.device_id} em {path}."
    )
    sys.stdout.flush()
    return 0
