"""Errors a caller can act on, and the one handler that turns them into responses."""

from __future__ import annotations

import logging
import re

import msgspec
from litestar import Litestar, MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.exceptions import NotFoundException as LitestarNotFound
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from appliance.core.i18n import N_, _
from appliance.core.limits import BODY_BYTES, PATTERN_REASONS

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, code: str | None = None, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.detail = detail


class InvalidInput(AppError):
    status = 400
    code = "invalid_input"


class NotAuthenticated(AppError):
    status = 401
    code = "auth.required"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"


def _json(status: int, code: str, message: str, **extra: object) -> Response[dict[str, object]]:
    return Response(
        {"code": code, "message": message, **extra}, status_code=status, media_type=MediaType.JSON
    )


def handle_app_error(request: Request, exc: AppError) -> Response[dict[str, object]]:
    headers = {}
    if isinstance(exc, TooManyRequests) and "retry_after" in exc.detail:
        headers["Retry-After"] = str(exc.detail["retry_after"])
    response = _json(exc.status, exc.code, exc.message, **exc.detail)
    response.headers.update(headers)
    return response


_EXPECTED = re.compile(r"Expected `([^`]+)`, got `[^`]+`")
_BAD_CHOICE = re.compile(r"Invalid enum value '(.*)'")
_AT = re.compile(r" - at `\$\.?([^`]*)`")
_LENGTH = re.compile(r"Expected `(str|array|object)` of length (<=|>=) (\d+)")
_BOUND = re.compile(r"Expected `(?:int|float)` (<=|>=|<|>) (-?\d+)")
_PATTERN = re.compile(r"Expected `str` matching regex (.+)$")
_KINDS = {
    "int": N_("um número inteiro"),
    "float": N_("um número"),
    "str": N_("um texto"),
    "bool": N_("true ou false"),
    "array": N_("uma lista"),
    "object": N_("um objeto"),
}
_UNITS = {"str": N_("caracteres"), "array": N_("itens"), "object": N_("itens")}
_BOUNDS = {
    "<=": N_("no máximo {count}"),
    ">=": N_("no mínimo {count}"),
    "<": N_("menor que {count}"),
    ">": N_("maior que {count}"),
}


def _limit_reason(message: str) -> str | None:
    """A size, range or pattern refused by msgspec, in Portuguese; None for other messages."""
    if length := _LENGTH.search(message):
        kind, op, count = length.groups()
        return f"{_(_BOUNDS[op]).format(count=count)} {_(_UNITS[kind])}"
    if bound := _BOUND.search(message):
        return _("deve ser {bound}").format(
            bound=_(_BOUNDS[bound.group(1)]).format(count=bound.group(2))
        )
    if pattern := _PATTERN.search(message):
        quoted = pattern.group(1)
        for regex, reason in PATTERN_REASONS.items():
            if quoted == repr(regex):
                return _(reason)
        return _("formato inválido")
    return None


def _reason(entry: dict[str, object]) -> str:
    """One of Litestar's validation messages, in Portuguese and naming the parameter or
    field it is about (``tag: esperado um número inteiro``, ``name: no máximo 120
    caracteres``)."""
    full = str(entry.get("message", ""))
    at = _AT.search(full)
    message = _AT.sub("", full)
    name = (at.group(1) if at and at.group(1) else None) or entry.get("key")
    if (limit := _limit_reason(message)) is not None:
        text = limit
    elif expected := _EXPECTED.search(message):
        kinds = [k.strip() for k in expected.group(1).split("|") if k.strip() != "null"]
        text = _("esperado {kinds}").format(
            kinds=_(" ou ").join(_(_KINDS[k]) if k in _KINDS else k for k in kinds)
        )
    elif choice := _BAD_CHOICE.search(message):
        text = _("valor não aceito: '{value}'").format(value=choice.group(1))
    elif message.startswith(("Object missing required field", "Object contains unknown field")):
        text = _("campo obrigatório ausente") if "missing" in message else _("campo desconhecido")
        field_name = message.rpartition(" ")[2].strip("`")
        name = f"{at.group(1)}.{field_name}" if at and at.group(1) else field_name
    else:
        text = message
    return f"{name}: {text}" if name else text


def handle_http_error(request: Request, exc: HTTPException) -> Response[dict[str, object]]:
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        reasons = "; ".join(_reason(e) for e in extra if isinstance(e, dict))
        return _json(
            400,
            "invalid_input",
            _("Dados inválidos: {reasons}").format(reasons=reasons or exc.detail),
        )
    if isinstance(exc, LitestarNotFound):
        return _json(404, "not_found", _("Não encontrado."))
    if isinstance(exc, NotAuthorizedException):
        return _json(401, "auth.required", _("Faça login para continuar."))
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.route_handler.resolve_request_max_body_size() or BODY_BYTES
        return _json(
            413,
            "request.too_large",
            _("O pedido passa do limite de {kb} KB.").format(kb=limit // 1024),
            max_bytes=limit,
        )
    return _json(exc.status_code, "http_error", str(exc.detail))


def handle_overflow(request: Request, exc: OverflowError) -> Response[dict[str, object]]:
    """A number too large for the database (or for C) that a parameter's bound did not stop:
    the caller's input, not a fault of the box."""
    log.info("number out of range on %s %s: %s", request.method, request.url.path, exc)
    return _json(400, "invalid_input", _("Dados inválidos: número grande demais."))


def handle_unexpected(request: Request, exc: Exception) -> Response[dict[str, object]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _json(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        _("Erro interno. A equipe técnica foi avisada pelo registro do sistema."),
    )


class ErrorOut(msgspec.Struct):
    """The body of every error answer; some add details (``retry_after``, ``max_bytes``)."""

    code: str
    message: str


_ERROR_STATUSES = {
    400: "Dados inválidos: a mensagem diz qual campo e por quê",
    401: "Falta fazer login, ou o token não vale mais",
    403: "Sem permissão para isto",
    404: "Não encontrado (ou não visível para quem pede)",
    409: "Conflito com o estado atual (por exemplo, um nome que já existe)",
    413: "O pedido passa do limite de tamanho",
    429: "Tentativas demais; tente de novo depois de Retry-After segundos",
}
ERROR_RESPONSES = {
    status: ResponseSpec(data_container=ErrorOut, description=text, generate_examples=False)
    for status, text in _ERROR_STATUSES.items()
}


def document_error_responses(app: Litestar) -> None:
    """State in the OpenAPI document the one error body that every operation answers with,
    in place of Litestar's own validation-error shape that the handlers above replace."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                handler.responses = {**ERROR_RESPONSES, **(handler.responses or {})}


EXCEPTION_HANDLERS = {
    AppError: handle_app_error,
    HTTPException: handle_http_error,
    OverflowError: handle_overflow,
    Exception: handle_unexpected,
}
