"""What the simulated customers of a Brazilian shop say: names, numbers, conversations."""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = (
    "Ana", "Maria", "Juliana", "Fernanda", "Camila", "Patrícia", "Aline", "Bruna", "Letícia",
    "Beatriz", "Larissa", "Gabriela", "Tatiane", "Vanessa", "Adriana", "Luana", "Débora",
    "João", "José", "Carlos", "Paulo", "Lucas", "Pedro", "Rafael", "Marcos", "Thiago",
    "Felipe", "Gustavo", "André", "Rodrigo", "Leandro", "Matheus", "Vinícius", "Diego",
)  # fmt: skip
SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
    "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Araújo", "Melo", "Barbosa",
    "Rocha", "Dias", "Nascimento", "Moreira", "Cardoso", "Teixeira", "Conceição",
)  # fmt: skip
NICKNAMES = ("Bia", "Ju", "Nanda", "Cacá", "Dudu", "Rafa", "Gabi", "Lu", "Tati", "Zé")


@dataclass(frozen=True)
class Place:
    ddd: str
    city: str
    bairros: tuple[str, ...]
    lat: float
    lng: float


PLACES = (
    Place("11", "São Paulo", ("Pinheiros", "Mooca", "Tatuapé", "Santana", "Vila Mariana"),
          -23.55, -46.63),
    Place("21", "Rio de Janeiro", ("Tijuca", "Copacabana", "Méier", "Botafogo"), -22.91, -43.17),
    Place("21", "Niterói", ("Icaraí", "Santa Rosa", "Fonseca"), -22.88, -43.10),
    Place("31", "Belo Horizonte", ("Savassi", "Pampulha", "Funcionários"), -19.92, -43.94),
    Place("41", "Curitiba", ("Batel", "Água Verde", "Portão"), -25.43, -49.27),
    Place("51", "Porto Alegre", ("Moinhos de Vento", "Menino Deus", "Cidade Baixa"),
          -30.03, -51.23),
    Place("71", "Salvador", ("Barra", "Pituba", "Rio Vermelho"), -12.97, -38.50),
    Place("81", "Recife", ("Boa Viagem", "Casa Forte", "Espinheiro"), -8.05, -34.90),
    Place("61", "Brasília", ("Asa Norte", "Asa Sul", "Águas Claras"), -15.79, -47.88),
)  # fmt: skip

PRODUCTS = (
    ("tênis de corrida", 249.90), ("camiseta básica", 39.90), ("vestido floral", 129.90),
    ("bolsa de couro", 219.00), ("calça jeans", 159.90), ("mochila escolar", 99.90),
    ("fone de ouvido bluetooth", 89.90), ("capinha de celular", 29.90), ("chinelo", 34.90),
    ("jaqueta corta-vento", 189.90), ("boné", 49.90), ("relógio digital", 119.00),
)  # fmt: skip
SIZES = ("P", "M", "G", "GG", "36", "38", "40", "42")
COLORS = ("preto", "branco", "azul-marinho", "vermelho", "verde", "bege", "rosa")

CUSTOMER_LINES = (
    "Oi, boa tarde! Vocês têm {produto} no tamanho {tamanho}?",
    "Bom dia! Quanto está o {produto}?",
    "Olá, vocês entregam em {bairro}, {cidade}?",
    "Qual o valor do frete para {bairro}?",
    "Posso pagar no Pix?",
    "Fiz o Pix agora há pouco, pedido #{pedido}. Podem confirmar?",
    "Meu pedido #{pedido} ainda não chegou, conseguem ver pra mim?",
    "O pedido {pedido} já saiu para entrega?",
    "Aceitam cartão em {parcelas}x sem juros?",
    "Tem {produto} na cor {cor}?",
    "Vi no Instagram o {produto} por R$ {preco}, ainda está nessa promoção?",
    "Vocês abrem sábado? Até que horas?",
    "Chegou certinho, obrigada! 😊",
    "Dá pra trocar o tamanho? Ficou pequeno 😅",
    "Quero levar 2 {produto}, faz um desconto?",
    "Boa noite! Ainda tem {produto} em estoque?",
    "Consigo retirar na loja hoje?",
    "Tudo bem? Vocês mandam para {cidade}?",
)
SHOP_LINES = (
    "Olá, {nome}! Temos sim 😊",
    "O {produto} sai por R$ {preco} à vista ou em até 3x no cartão.",
    "Entregamos em {bairro} sim! O frete fica R$ {frete}.",
    "Pode sim! Nossa chave Pix é o CNPJ 12.345.678/0001-90.",
    "Pagamento confirmado, {nome}. Obrigado pela compra!",
    "Seu pedido #{pedido} saiu para entrega hoje e chega até as 18h.",
    "Abrimos sábado das 9h às 13h.",
    "Temos na cor {cor} nos tamanhos P, M e G.",
    "Pode trocar sim, é só trazer com a etiqueta em até 30 dias.",
)
REPLY_LINES = (
    "Obrigada! 😊",
    "Perfeito, passo aí amanhã então.",
    "Pode mandar a chave Pix, por favor?",
    "Beleza 👍",
    "E qual o prazo de entrega?",
    "Fechado, vou querer!",
    "Ah, que pena. Avisa quando chegar?",
    "Tem como parcelar?",
    "Combinado!",
)
CAPTIONS = (
    "Esse aqui tem em outra cor?",
    "Segue a foto do produto que eu quero",
    "Chegou assim, com defeito 😕",
    "",
)
DOCUMENTS = ("comprovante-pix.pdf", "nota-fiscal.pdf", "pedido.pdf")
BROADCAST_LISTS = ("Promoções da semana", "Clientes VIP")
BROADCAST_LINES = (
    "🔥 Promoção da semana: {produto} por R$ {preco}! Só até domingo.",
    "Chegaram novidades na loja! Venha conferir 🛍️",
)


def money(value: float) -> str:
    """R$ formatting: 1234.5 -> '1.234,50'."""
    whole, cents = f"{value:,.2f}".split(".")
    return whole.replace(",", ".") + "," + cents


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(NICKNAMES)
    if rng.random() < 0.5:
        return rng.choice(FIRST_NAMES)
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def mobile_number(rng: random.Random, place: Place | None = None) -> str:
    """A Brazilian mobile in E.164, with the ninth digit: +55 DDD 9XXXX-XXXX."""
    place = place or rng.choice(PLACES)
    return f"+55{place.ddd}9{rng.randint(6, 9)}{rng.randint(0, 9_999_999):07d}"


def lid_number(rng: random.Random) -> str:
    return f"{rng.randint(10**13, 10**15 - 1)}@lid"


def fill(template: str, rng: random.Random, name: str = "") -> str:
    place = rng.choice(PLACES)
    product, price = rng.choice(PRODUCTS)
    return template.format(
        produto=product,
        preco=money(price),
        tamanho=rng.choice(SIZES),
        cor=rng.choice(COLORS),
        bairro=rng.choice(place.bairros),
        cidade=place.city,
        pedido=rng.randint(1000, 9999),
        parcelas=rng.choice((2, 3, 6, 10)),
        frete=money(rng.choice((8.0, 12.5, 15.0, 19.9))),
        nome=name.split(" ")[0] if name else "",
    )


def customer_line(rng: random.Random) -> str:
    return fill(rng.choice(CUSTOMER_LINES), rng)


def shop_line(rng: random.Random, name: str) -> str:
    return fill(rng.choice(SHOP_LINES), rng, name)


def reply_line(rng: random.Random) -> str:
    return fill(rng.choice(REPLY_LINES), rng)


def broadcast_line(rng: random.Random) -> str:
    return fill(rng.choice(BROADCAST_LINES), rng)


def place_of(e164: str) -> Place:
    ddd = e164[3:5]
    return next((p for p in PLACES if p.ddd == ddd), PLACES[0])
