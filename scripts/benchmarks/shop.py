"""A seeded synthetic shop for benchmarks, written straight into a migrated database.

The shape (docs/decisions.md#how-the-figures-were-measured): Portuguese shop messages
with slots (15% of
the customer's typed without accents, a Zipf tail of brand words), a lognormal number of
messages per chat in sessions over two years, Brazilian numbers (half with DDD 11), 10%
of chats without a name, 60 tags (Zipf), 8 users and 3 departments as assignees, about 9%
archived and 15% unread. Message ids grow with time. The same seed and sizes give the
same database; a built one is kept under ``bench-data/`` and reused while the schema is
unchanged.

``python -m scripts.benchmarks.shop [--chats N] [--messages N] [--seed N]`` builds (or finds)
one and prints where it is.
"""

from __future__ import annotations

import argparse
import array
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import accumulate
from pathlib import Path

import appliance  # noqa: F401  (sqlite3 -> sqlean before anything else)
from appliance.areas.accounts.service import (
    create_user,
    ensure_account,
    hash_password,
    insert_department,
)
from appliance.areas.assignments.service import insert_assignees
from appliance.areas.chats.rows import ChatRow, insert_chats
from appliance.areas.devices.service import insert_device
from appliance.areas.messages.rows import MessageRow, insert_messages
from appliance.areas.search.service import SEARCH_INDEXES, index_command
from appliance.areas.tags.service import insert_chat_tags, insert_tag
from appliance.core.db import Conn, connect, migrate
from appliance.core.text import preview, sort_key

REPO = Path(__file__).resolve().parents[2]
BENCH_DATA = REPO / "bench-data"

DEFAULT_SEED = 20261126
DEFAULT_CHATS = 50_000
DEFAULT_MESSAGES = 2_500_000
# Bump when the generator changes what it writes: cached shops are then rebuilt.
GENERATOR_VERSION = 1

ADMIN_LOGIN, ADMIN_PASSWORD = "admin", "bench-admin"
USER_LOGIN, USER_PASSWORD = "carla", "bench-carla"

DAY_MS = 86_400_000
# The shop's history ends here (a fixed instant, so that a seed gives one database).
END_MS = 1_793_491_200_000  # 2026-11-01T00:00:00Z
HISTORY_MS = 730 * DAY_MS

_BATCH = 20_000
_LOGIN_FIELDS = ("admin_login", "admin_password", "user_login", "user_password")

# -- vocabulary ---------------------------------------------------------------------------------

FIRST_NAMES = [
    "Maria",
    "João",
    "Ana",
    "José",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Luís",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Raimundo",
    "Rodrigo",
    "Júlia",
    "Juliana",
    "Adriana",
    "Márcia",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Sandra",
    "Camila",
    "Amanda",
    "Letícia",
    "Beatriz",
    "Luíza",
    "Conceição",
    "Cecília",
    "Débora",
    "Mônica",
    "Márcio",
    "Sérgio",
    "Vânia",
    "Cláudia",
    "Flávia",
    "Fábio",
    "Vinícius",
    "Tânia",
    "Lúcia",
    "Glória",
    "Inês",
    "Heloísa",
    "Otávio",
    "Caio",
    "Thiago",
    "Mariana",
    "Marta",
    "Mário",
    "Marina",
    "Marisa",
    "Sebastião",
    "Zé",
    "Cida",
    "Tereza",
    "Rosângela",
    "Gisele",
    "Kátia",
    "Simone",
    "Renata",
    "Joaquim",
    "Benedita",
    "Irene",
    "Valéria",
    "Natália",
    "Emanuel",
]
SURNAMES = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Conceição",
    "Assunção",
    "Magalhães",
    "Brandão",
    "Simões",
    "Falcão",
    "Guimarães",
    "Batista",
    "Moura",
    "Cavalcanti",
    "Monteiro",
    "Pinto",
    "Correia",
    "Azevedo",
    "Damasceno",
    "Peçanha",
]
EMOJI = ["🌸", "❤️", "😊", "🙏", "⭐", "🌻", "💅", "🎀", "🛍️", "👑", "🏍️", "⚽"]
BUSINESSES = [
    "Loja da {f}",
    "Ateliê {f}",
    "Salão da {f}",
    "Mercadinho {s}",
    "Oficina {s}",
    "{f} Confecções",
    "Brechó da {f}",
    "{f} Doces",
    "Papelaria {s}",
    "Pet Shop {s}",
]
NICKNAMES = ["cliente VIP", "atacado", "revenda", "vizinha", "feira", "Instagram", "indicação"]

DDDS = [21, 31, 41, 51, 61, 71, 81, 85, 19, 27, 48, 62, 92, 13, 15, 24, 34, 47, 83, 98]

TAG_NAMES = [
    "cliente",
    "orçamento",
    "pedido",
    "pago",
    "entregue",
    "aguardando pagamento",
    "pix",
    "cartão",
    "boleto",
    "troca",
    "devolução",
    "reclamação",
    "VIP",
    "atacado",
    "revenda",
    "primeira compra",
    "recompra",
    "Instagram",
    "Facebook",
    "indicação",
    "site",
    "loja física",
    "retirada",
    "motoboy",
    "Correios",
    "Sedex",
    "frete grátis",
    "promoção",
    "Black Friday",
    "Natal",
    "Dia das Mães",
    "aniversariante",
    "cupom",
    "brinde",
    "personalizado",
    "encomenda",
    "sob medida",
    "urgente",
    "follow-up",
    "sem resposta",
    "lead frio",
    "lead quente",
    "fornecedor",
    "parceiro",
    "influenciador",
    "orçamento enviado",
    "negociação",
    "fechado",
    "perdido",
    "inadimplente",
    "cobrança",
    "nota fiscal",
    "garantia",
    "assistência",
    "agendado",
    "bairro",
    "outra cidade",
    "interior",
    "exterior",
    "teste",
]
DEPARTMENTS = ["Vendas", "Atendimento", "Financeiro"]
# (login, name, department index); the bench's normal user is USER_LOGIN.
STAFF = [
    ("ana", "Ana Paula", 0),
    ("bruno", "Bruno Lima", 0),
    ("carla", "Carla Nogueira", 2),
    ("diego", "Diego Souza", 0),
    ("elisa", "Elisa Campos", 1),
    ("fabio", "Fábio Reis", 1),
    ("gabi", "Gabriela Mota", 1),
    ("heitor", "Heitor Prado", 2),
]
# Popularity of each principal as an assignee: the 8 users, then the 3 departments.
# Carla and Financeiro together see about 10% of the chats.
PRINCIPAL_WEIGHTS = [0.14, 0.12, 0.07, 0.10, 0.10, 0.08, 0.07, 0.05, 0.15, 0.10, 0.05]

PRODUCTS = [
    "vestido",
    "blusa",
    "calça jeans",
    "saia",
    "bolsa",
    "sandália",
    "tênis",
    "camiseta",
    "jaqueta",
    "short",
    "macacão",
    "cinto",
    "brinco",
    "colar",
    "pulseira",
    "óculos de sol",
    "biquíni",
    "pijama",
    "moletom",
    "camisa social",
    "bermuda",
    "chinelo",
    "relógio",
    "mochila",
    "carteira",
    "boné",
    "meia-calça",
    "conjunto",
    "cropped",
    "kimono",
]
COLOURS = [
    "preto",
    "branco",
    "azul-marinho",
    "vermelho",
    "rosa",
    "verde-musgo",
    "bege",
    "cinza",
    "amarelo",
    "lilás",
    "marrom",
    "nude",
    "off-white",
    "vinho",
    "caramelo",
]
SIZES = ["PP", "P", "M", "G", "GG", "XG", "34", "36", "38", "40", "42", "44", "único"]
BAIRROS = [
    "Vila Mariana",
    "Pinheiros",
    "Mooca",
    "Tatuapé",
    "Santana",
    "Lapa",
    "Butantã",
    "Ipiranga",
    "Penha",
    "Perdizes",
    "Jabaquara",
    "Itaquera",
    "Brás",
    "Consolação",
    "Liberdade",
    "Santo Amaro",
    "Capão Redondo",
    "São Miguel",
    "Freguesia do Ó",
    "Água Branca",
]
DAYS = ["segunda", "terça", "quarta", "quinta", "sexta", "sábado", "amanhã", "hoje", "domingo"]

CUSTOMER_TEMPLATES = [
    "Oi, boa tarde! Vocês têm {produto} {cor} no tamanho {tamanho}?",
    "Bom dia! Qual o preço do {produto} {marca}?",
    "Olá, vi no Instagram o {produto} {cor}, ainda tem?",
    "Quanto fica o frete para {bairro}? CEP {cep}",
    "Vocês entregam em {bairro}?",
    "Fiz o pix de R$ {valor}, segue o comprovante",
    "Já paguei, pode conferir? Pedido #{pedido}",
    "Meu pedido #{pedido} ainda não chegou 😕",
    "Qual o prazo de entrega para {bairro}?",
    "Obrigado! Chegou tudo certinho 😊",
    "Obrigada pela atenção!",
    "Tem desconto pagando no pix?",
    "Posso trocar o {produto} por um tamanho {tamanho}?",
    "O {produto} {marca} serve em quem veste {tamanho}?",
    "Vocês abrem {dia}?",
    "Consigo retirar na loja {dia}?",
    "Quero encomendar {qtd} unidades do {produto} {marca} para revenda, CNPJ {cnpj}",
    "Tem nota fiscal? Meu CNPJ é {cnpj}",
    "Amei o {produto} {cor}!! Vou querer",
    "Ainda tem a promoção do {produto}?",
    "Pode mandar foto do {produto} {cor}?",
    "Aceita cartão em {parcelas}x?",
    "Qual o endereço da loja?",
    "Oi",
    "Bom dia",
    "Boa noite, tudo bem?",
    "Ok, obrigado",
    "Combinado então, até {dia}",
    "Vou pensar e te aviso",
    "Cadê meu pedido? Já faz {qtd} dias",
    "O código de rastreio do pedido #{pedido} não funciona",
    "Vocês trabalham com a marca {marca}?",
    "Chegou o {produto} com defeito, como faço a troca?",
]
SHOP_TEMPLATES = [
    "Olá! Temos sim, o {produto} {cor} sai por R$ {valor}.",
    "Bom dia! O {produto} {marca} está R$ {valor} à vista no pix.",
    "O frete para {bairro} fica R$ {frete}, entrega em até {qtd} dias úteis.",
    "Recebemos seu pagamento, obrigado! Seu pedido #{pedido} já está separado.",
    "Seu pedido #{pedido} foi enviado, o código de rastreio é BR{rastreio}BR",
    "Temos nos tamanhos {tamanho} e {tamanho2}.",
    "Abrimos de segunda a sábado, das 9h às 18h.",
    "Pode retirar na loja {dia} a partir das 10h.",
    "Parcelamos em até {parcelas}x sem juros no cartão.",
    "Segue a chave pix: {cnpj}",
    "Nosso endereço é Rua {sobrenome}, {numero} – {bairro}.",
    "Obrigada pela preferência! 💜",
    "Fazemos a troca em até 30 dias, é só trazer com a etiqueta.",
    "Vou verificar no estoque e já te retorno.",
    "Para revenda o {produto} {marca} sai por R$ {valor} a unidade a partir de {qtd} peças.",
    "Emitimos nota fiscal sim, pode mandar o CNPJ.",
    "A promoção do {produto} vai até {dia}.",
    "Desculpe a demora! Sobre o pedido #{pedido}: já está com a transportadora.",
    "Trabalhamos sim com {marca}, chegou coleção nova.",
    "Oi! Tudo bem, e com você?",
    "Claro! Qualquer dúvida estamos à disposição.",
]
IMAGE_CAPTIONS = [
    "Olha esse aqui",
    "Esse modelo",
    "Tem esse?",
    "{produto} {cor}",
    "Foto do defeito",
]

_UNACCENT = str.maketrans(
    "áàâãäéèêëíìîïóòôõöúùûüçÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇ",
    "aaaaaeeeeiiiiooooouuuucAAAAAEEEEIIIIOOOOOUUUUC",
)
_SYLLABLES = [c + v for c in "bcdfglmnprstvz" for v in "aeiou"] + ["an", "en", "in", "on", "ar"]


# -- what was built -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    """A built shop: where its data folder is and what is in it."""

    data_dir: Path
    seed: int
    chats: int
    messages: int
    build_seconds: float  # 0.0 when reused from the cache
    reused: bool
    db_bytes: int
    admin_login: str = ADMIN_LOGIN
    admin_password: str = ADMIN_PASSWORD
    user_login: str = USER_LOGIN
    user_password: str = USER_PASSWORD

    @property
    def db_path(self) -> Path:
        return self.data_dir / "balcao.db"

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["data_dir"] = str(self.data_dir)
        return d


def schema_fingerprint() -> str:
    """A hash of the schema the migrations create today (tables, indexes, FTS, triggers)."""
    with tempfile.TemporaryDirectory(prefix="balcao-schema-") as tmp:
        path = Path(tmp) / "schema.db"
        migrate(path)
        conn = connect(path)
        try:
            rows = conn.execute(
                "SELECT type, name, coalesce(sql, '') FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
            ).fetchall()
        finally:
            conn.close()
    text = "\n".join("|".join(r) for r in rows) + f"\ngenerator {GENERATOR_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def shop_dir(seed: int, chats: int, messages: int, root: Path = BENCH_DATA) -> Path:
    return root / f"shop-s{seed}-c{chats}-m{messages}-{schema_fingerprint()}"


def build_or_reuse(
    *,
    chats: int = DEFAULT_CHATS,
    messages: int = DEFAULT_MESSAGES,
    seed: int = DEFAULT_SEED,
    root: Path = BENCH_DATA,
    log: bool = True,
) -> Shop:
    """The shop for (seed, sizes, schema): from ``root`` if built before, else built now."""
    if messages < chats:
        raise ValueError("a shop needs at least one message per chat")
    folder = shop_dir(seed, chats, messages, root)
    meta_path = folder / "shop.json"
    if meta_path.is_file() and (folder / "balcao.db").is_file():
        meta = json.loads(meta_path.read_text())
        return Shop(
            data_dir=folder,
            seed=seed,
            chats=chats,
            messages=messages,
            build_seconds=0.0,
            reused=True,
            db_bytes=(folder / "balcao.db").stat().st_size,
            **{k: meta[k] for k in _LOGIN_FIELDS},
        )
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    started = time.perf_counter()
    _Builder(building / "balcao.db", seed, chats, messages, log).build()
    seconds = time.perf_counter() - started
    shop = Shop(
        data_dir=folder,
        seed=seed,
        chats=chats,
        messages=messages,
        build_seconds=round(seconds, 1),
        reused=False,
        db_bytes=(building / "balcao.db").stat().st_size,
    )
    (building / "shop.json").write_text(json.dumps(shop.to_dict(), indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    return shop


def text_filler(seed: int) -> Callable[[str], str]:
    """The generator's ``fill(template)`` (slots, brand words) on its own ``Random(seed)``:
    Portuguese bodies from CUSTOMER_TEMPLATES / SHOP_TEMPLATES for rows added to a built
    shop by another benchmark."""
    return _Builder(Path(os.devnull), seed, 1, 1, log=False).fill


# -- the generator ------------------------------------------------------------------------------


@dataclass
class _ChatPlan:
    first_at: int
    count: int
    broadcast: bool
    phone: str | None = None
    wa_name: str = ""
    custom_name: str | None = None
    last_at: int = 0
    last_from_me: bool = False
    trailing_in: int = 0  # customer messages after the shop's last one
    waiting_since: int | None = None
    unread: int = 0
    archived: bool = False


class _Builder:
    def __init__(self, path: Path, seed: int, chats: int, messages: int, log: bool) -> None:
        self.path = path
        self.rng = random.Random(seed)
        self.n_chats = chats
        self.n_messages = messages
        self.log = log
        self.t0 = time.perf_counter()
        words = self._brand_words(20_000)
        self.brands = words
        self.brand_cum = list(accumulate(1.0 / (i + 1) for i in range(len(words))))

    def say(self, what: str) -> None:
        if self.log:
            print(f"  [{time.perf_counter() - self.t0:6.1f}s] {what}", file=sys.stderr, flush=True)

    # vocabulary
    def _brand_words(self, n: int) -> list[str]:
        rng = random.Random(7)  # the same words for every seed
        seen: set[str] = set()
        out: list[str] = []
        while len(out) < n:
            word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
            if word not in seen:
                seen.add(word)
                out.append(word)
        return out

    def brand(self) -> str:
        r = self.rng.random() * self.brand_cum[-1]
        return self.brands[bisect_left(self.brand_cum, r)]

    def fill(self, template: str) -> str:
        rng = self.rng
        if "{" not in template:
            return template
        slots = {
            "produto": rng.choice(PRODUCTS),
            "cor": rng.choice(COLOURS),
            "tamanho": rng.choice(SIZES),
            "tamanho2": rng.choice(SIZES),
            "bairro": rng.choice(BAIRROS),
            "dia": rng.choice(DAYS),
            "sobrenome": rng.choice(SURNAMES),
        }
        if "{marca}" in template:
            slots["marca"] = self.brand().capitalize()
        if "{valor}" in template:
            slots["valor"] = f"{rng.randint(19, 899)},{rng.choice(('00', '90', '99', '50'))}"
        if "{frete}" in template:
            slots["frete"] = f"{rng.randint(8, 45)},00"
        if "{pedido}" in template:
            slots["pedido"] = str(rng.randint(1000, 99999))
        if "{cep}" in template:
            slots["cep"] = f"0{rng.randint(1000, 9999)}-{rng.randint(0, 999):03d}"
        if "{cnpj}" in template:
            slots["cnpj"] = (
                f"{rng.randint(10, 99)}.{rng.randint(100, 999)}.{rng.randint(100, 999)}/0001-"
                f"{rng.randint(10, 99)}"
            )
        if "{qtd}" in template:
            slots["qtd"] = str(rng.randint(2, 30))
        if "{parcelas}" in template:
            slots["parcelas"] = str(rng.choice((2, 3, 4, 6, 10, 12)))
        if "{rastreio}" in template:
            slots["rastreio"] = str(rng.randint(100_000_000, 999_999_999))
        if "{numero}" in template:
            slots["numero"] = str(rng.randint(10, 3000))
        return template.format(**slots)

    # chats
    def _name(self) -> str:
        rng = self.rng
        f, s = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        roll = rng.random()
        if roll < 0.55:
            name = f"{f} {s}"
        elif roll < 0.75:
            name = f
        elif roll < 0.88:
            name = f"{f} {s} {rng.choice(SURNAMES)}"
        elif roll < 0.94:
            name = rng.choice(BUSINESSES).format(f=f, s=s)
        else:
            name = f"{f} {s[0]}."
        if rng.random() < 0.10:
            name = f"{name} {rng.choice(EMOJI)}"
        if rng.random() < 0.05:
            name = name.lower()
        return name

    def _phone(self, taken: set[str]) -> str:
        rng = self.rng
        while True:
            ddd = 11 if rng.random() < 0.5 else rng.choice(DDDS)
            phone = f"+55{ddd}9{rng.randint(0, 99_999_999):08d}"
            if phone not in taken:
                taken.add(phone)
                return phone

    def _message_counts(self) -> list[int]:
        """Lognormal (median about 22 at the default sizes), scaled to the exact total."""
        rng = self.rng
        raw = [rng.lognormvariate(math.log(22), 1.28) for _ in range(self.n_chats)]
        scale = (self.n_messages - self.n_chats) / sum(raw)
        counts = [1 + int(w * scale) for w in raw]
        short = self.n_messages - sum(counts)
        order = sorted(range(self.n_chats), key=lambda i: -raw[i])
        i = 0
        while short > 0:
            counts[order[i % self.n_chats]] += 1
            short -= 1
            i += 1
        return counts

    def plan_chats(self) -> list[_ChatPlan]:
        rng = self.rng
        counts = self._message_counts()
        n_broadcast = max(1, self.n_chats // 1000)
        plans = []
        for i, count in enumerate(counts):
            # More recent contacts are more common.
            first_at = END_MS - int(HISTORY_MS * rng.random() ** 1.6) - rng.randint(0, 3_600_000)
            plans.append(_ChatPlan(first_at=first_at, count=count, broadcast=i < n_broadcast))
        # Chat ids follow registration order.
        plans.sort(key=lambda p: p.first_at)
        taken: set[str] = set()
        for n, p in enumerate(plans):
            if p.broadcast:
                p.wa_name = f"Lista de transmissão {n}"
                continue
            p.phone = self._phone(taken)
            if rng.random() >= 0.10:
                p.wa_name = self._name()
                if rng.random() < 0.15:
                    p.custom_name = f"{p.wa_name} ({rng.choice(NICKNAMES)})"
        return plans

    def timeline(self, plans: list[_ChatPlan]) -> array.array[int]:
        """Every message as ``ts << 21 | chat << 1 | from_me``, sorted: id order is time order."""
        rng = self.rng
        packed = array.array("q")
        for chat_id, p in enumerate(plans, start=1):
            n = p.count
            sessions = max(1, min(n, round(n / rng.uniform(3.0, 10.0))))
            starts = sorted(
                [p.first_at] + [rng.randint(p.first_at, END_MS) for _ in range(sessions - 1)]
            )
            cuts = sorted(rng.sample(range(1, n), sessions - 1)) if sessions > 1 else []
            sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
            last_from_me, trailing, waiting = False, 0, None
            ts = 0
            for start, size in zip(starts, sizes, strict=True):
                ts = max(start, ts + 1000)
                from_me = p.broadcast
                for k in range(size):
                    if k:
                        ts += int(rng.expovariate(1 / 75_000)) + 1000
                        if not p.broadcast and rng.random() < 0.55:
                            from_me = not from_me
                    ts = min(ts, END_MS - 1)
                    packed.append(ts << 21 | chat_id << 1 | from_me)
                    if from_me:
                        trailing, waiting = 0, None
                    else:
                        trailing += 1
                        waiting = ts if waiting is None else waiting
                    last_from_me = from_me
            p.last_at, p.last_from_me = ts, last_from_me
            p.trailing_in, p.waiting_since = trailing, waiting
        self.say(f"timeline of {len(packed):,} messages; sorting")
        return array.array("q", sorted(packed))

    def mark_unread_and_archived(self, plans: list[_ChatPlan]) -> None:
        """15% unread (last message is the customer's; 2/3 among the newest 20% of chats),
        then about 9% archived, more often old chats, never unread ones."""
        rng = self.rng
        by_recency = sorted(range(len(plans)), key=lambda i: -plans[i].last_at)
        recent = set(by_recency[: len(plans) // 5])
        eligible = [i for i in by_recency if not plans[i].last_from_me and not plans[i].broadcast]
        target = round(0.15 * len(plans))
        pool_recent = [i for i in eligible if i in recent]
        pool_old = [i for i in eligible if i not in recent]
        take_recent = min(len(pool_recent), round(target * 2 / 3))
        take_old = min(len(pool_old), target - take_recent)
        for i in rng.sample(pool_recent, take_recent) + rng.sample(pool_old, take_old):
            plans[i].unread = min(plans[i].trailing_in, 1 + int(rng.expovariate(0.5)))
        rank = {chat: r for r, chat in enumerate(by_recency)}
        n = len(plans)
        keyed = []
        for i, p in enumerate(plans):
            if p.unread:
                continue
            age = rank[i] / n  # 0 newest, 1 oldest
            weight = 0.05 + age**2
            keyed.append((rng.random() ** (1 / weight), i))
        keyed.sort(reverse=True)
        for _, i in keyed[: round(0.09 * n)]:
            plans[i].archived = True

    # writing
    def build(self) -> None:
        # `balcao migrate` in its own process: no connection of Piccolo's stays open here,
        # so the bulk load can leave WAL for the time being.
        subprocess.run(
            [sys.executable, "-m", "appliance", "migrate"],
            env={
                **os.environ,
                "BALCAO_DATA": str(self.path.parent),
                "BALCAO_CONFIG": str(self.path.parent / "absent.toml"),
            },
            check=True,
            stdout=subprocess.DEVNULL,
        )
        conn = connect(self.path)
        mode = conn.execute("PRAGMA journal_mode = OFF").fetchone()[0]
        if mode != "off":
            raise RuntimeError(f"could not leave WAL for the bulk load (journal_mode {mode})")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            self._write(conn)
        finally:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.close()

    def _write(self, conn: Conn) -> None:
        db = conn
        rng = self.rng
        deferred = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
            "(type = 'index' AND tbl_name = 'message') OR "
            "(type = 'trigger' AND name GLOB 'message_fts_*') OR "
            "(type = 'trigger' AND name GLOB 'chat_trgm_*'))"
        ).fetchall()
        for kind, name, _ in deferred:
            db.execute(f"DROP {kind.upper()} {name}")

        plans = self.plan_chats()
        self.say(f"{len(plans):,} chats planned")
        packed = self.timeline(plans)
        self.mark_unread_and_archived(plans)

        db.execute("BEGIN")
        ensure_account(db)
        db.execute("UPDATE account SET name = 'Loja Benchmark' WHERE id = 1")
        device = insert_device(
            db, "Celular da loja", "+5511900000000", "sim", "bench", END_MS - HISTORY_MS
        )
        users, departments = self._people(db)
        tag_ids = [
            insert_tag(db, name, f"#{rng.randrange(0x1000000):06x}", END_MS - HISTORY_MS)
            for name in TAG_NAMES
        ]
        chat_rows = []
        for chat_id, p in enumerate(plans, start=1):
            name = p.custom_name or p.wa_name
            wa_id = (
                f"1203630{chat_id:011d}@broadcast"
                if p.broadcast
                else f"{p.phone.lstrip('+')}@s.whatsapp.net"  # type: ignore[union-attr]
            )
            chat_rows.append(
                ChatRow(
                    id=chat_id,
                    device=device,
                    wa_id=wa_id,
                    phone=p.phone,
                    wa_name=p.wa_name,
                    custom_name=p.custom_name,
                    sort_name=sort_key(name),
                    is_broadcast=int(p.broadcast),
                    registered_at=p.first_at - rng.randint(0, 5000),
                    archived=int(p.archived),
                    unread_count=p.unread,
                    last_message_at=p.last_at,
                    last_message_from_me=int(p.last_from_me),
                    waiting_since=p.waiting_since,
                )
            )
        insert_chats(db, chat_rows)
        self._tags_and_assignees(db, plans, tag_ids, users, departments)
        db.execute("COMMIT")
        self.say("chats, tags, assignees written")

        last = self._messages(db, device, packed, users)
        db.execute("BEGIN")
        db.executemany(
            "UPDATE chat SET last_message_preview = ?, last_message_status = ? WHERE id = ?",
            [(text, status, chat_id) for chat_id, (text, status) in last.items()],
        )
        db.execute("COMMIT")
        self.say("messages written")

        for kind, _, sql in deferred:
            if kind == "index":
                db.execute(sql)
        self.say("message indexes built")
        for index in SEARCH_INDEXES:
            index_command(db, index, "rebuild")
            index_command(db, index, "optimize")
        for kind, _, sql in deferred:
            if kind == "trigger":
                db.execute(sql)
        self.say("FTS built")
        db.execute("ANALYZE")
        self.say("analyzed")

    def _people(self, db: Conn) -> tuple[list[int], list[int]]:
        """The admin, 8 staff users in 3 departments; returns (staff ids, department ids)."""
        created = END_MS - HISTORY_MS
        departments = [insert_department(db, name, created) for name in DEPARTMENTS]
        create_user(
            db,
            login=ADMIN_LOGIN,
            name="Administradora",
            password_hash=hash_password(ADMIN_PASSWORD),
            is_admin=True,
        )
        staff_hash = hash_password("bench-staff")
        users = []
        for login, name, dept in STAFF:
            users.append(
                create_user(
                    db,
                    login=login,
                    name=name,
                    password_hash=hash_password(USER_PASSWORD)
                    if login == USER_LOGIN
                    else staff_hash,
                    permissions=["see_numbers"],
                    departments=[departments[dept]],
                )
            )
        return users, departments

    def _tags_and_assignees(
        self,
        db: Conn,
        plans: list[_ChatPlan],
        tag_ids: list[int],
        users: list[int],
        departments: list[int],
    ) -> None:
        rng = self.rng
        tag_cum = list(accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(tag_ids))))
        principal_cum = list(accumulate(PRINCIPAL_WEIGHTS))
        principals = [(u, None) for u in users] + [(None, d) for d in departments]
        tag_rows, assignee_rows = [], []
        for chat_id, p in enumerate(plans, start=1):
            n_tags = rng.choices((0, 1, 2, 3, 4), (0.32, 0.26, 0.21, 0.12, 0.09))[0]
            chosen: set[int] = set()
            while len(chosen) < n_tags:
                chosen.add(tag_ids[bisect_left(tag_cum, rng.random() * tag_cum[-1])])
            tag_rows.extend((chat_id, t) for t in sorted(chosen))
            n_assignees = 0 if p.broadcast else rng.choices((0, 1, 2), (0.35, 0.45, 0.20))[0]
            picked: set[int] = set()
            while len(picked) < n_assignees:
                picked.add(bisect_left(principal_cum, rng.random() * principal_cum[-1]))
            for k in sorted(picked):
                member, department = principals[k]
                assignee_rows.append((chat_id, member, department, p.first_at + 60_000))
        insert_chat_tags(db, tag_rows)
        insert_assignees(db, assignee_rows)

    def _messages(
        self, db: Conn, device: int, packed: array.array[int], users: list[int]
    ) -> dict[int, tuple[str, str]]:
        """Writes every message in id (= time) order; returns each chat's last preview/status."""
        rng = self.rng
        random_ = rng.random
        choice = rng.choice
        fill = self.fill
        last: dict[int, tuple[str, str]] = {}
        rows: list[tuple[object, ...]] = []
        total = len(packed)
        recent_cut = END_MS - 2 * DAY_MS
        db.execute("BEGIN")
        for message_id, value in enumerate(packed, start=1):
            ts = value >> 21
            chat = (value >> 1) & 0xFFFFF
            from_me = value & 1
            roll = random_()
            media = None
            if roll < 0.03:
                kind, body = "audio", ""
                media = f'{{"mime":"audio/ogg","seconds":{3 + int(random_() * 60)}}}'
            elif roll < 0.11:
                kind = "image"
                body = fill(choice(IMAGE_CAPTIONS)) if random_() < 0.5 else ""
                media = f'{{"mime":"image/jpeg","size":{40_000 + int(random_() * 400_000)}}}'
            elif roll < 0.12:
                kind, body = "document", ""
                media = f'{{"mime":"application/pdf","name":"pedido-{int(random_() * 1e5)}.pdf"}}'
            else:
                kind = "text"
                body = fill(choice(SHOP_TEMPLATES if from_me else CUSTOMER_TEMPLATES))
                if not from_me and random_() < 0.15:
                    body = body.translate(_UNACCENT)
            if from_me:
                direction = "out"
                author_roll = random_()
                if author_roll < 0.80:
                    author_kind, author = "user", users[int(random_() * len(users))]
                elif author_roll < 0.92:
                    author_kind, author = "phone", None
                else:
                    author_kind, author = "chatbot", None
                if ts < recent_cut:
                    status = "read" if random_() < 0.9 else "delivered"
                else:
                    status = ("read", "delivered", "sent")[int(random_() * 3)]
            else:
                direction, author_kind, author, status = "in", "customer", None, "received"
            registered = ts + int(random_() * 2500)
            if random_() < 0.003:
                registered += int(random_() * 3 * 3_600_000)
            # MessageRow's fields in order, as a plain tuple (see insert_messages).
            rows.append(
                (
                    chat,
                    device,
                    f"3EB0{(message_id * _WA_ID_MIX) & _U64:016X}",
                    direction,
                    author_kind,
                    status,
                    registered + (30_000 if from_me else 0),
                    ts,
                    registered,
                    kind,
                    body,
                    media,
                    author,
                    None,
                    message_id,
                )
            )
            last[chat] = (preview(body) if body else _MEDIA_PREVIEW[kind], status)
            if len(rows) >= _BATCH:
                insert_messages(db, rows)
                rows.clear()
                if message_id % (_BATCH * 25) == 0:
                    db.execute("COMMIT")
                    db.execute("BEGIN")
                    self.say(f"{message_id:,} / {total:,} messages")
        if rows:
            insert_messages(db, rows)
        db.execute("COMMIT")
        return last


# The order of the message tuples of _messages: MessageRow's, checked here so that a new
# column there cannot shift them.
_MESSAGE_FIELDS = (
    "chat",
    "device",
    "wa_id",
    "direction",
    "author_kind",
    "status",
    "status_at",
    "sent_at",
    "registered_at",
    "kind",
    "body",
    "media",
    "author_user",
    "client_id",
    "id",
)
if MessageRow._fields != _MESSAGE_FIELDS:
    raise RuntimeError(f"MessageRow changed: {MessageRow._fields}; update _Builder._messages")

# Message ids scrambled into WhatsApp-looking ids (odd multiplier: one id per message).
_WA_ID_MIX = 0x9E3779B97F4A7C15
_U64 = 2**64 - 1
_MEDIA_PREVIEW = {"audio": "🎤 Áudio", "image": "📷 Foto", "document": "📄 Documento"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench shop", description=__doc__)
    parser.add_argument("--chats", type=int, default=DEFAULT_CHATS)
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    shop = build_or_reuse(chats=args.chats, messages=args.messages, seed=args.seed)
    how = "reused" if shop.reused else f"built in {shop.build_seconds:.1f} s"
    print(f"{shop.db_path} ({shop.db_bytes / 1e6:.0f} MB; {how})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
