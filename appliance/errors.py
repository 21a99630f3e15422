"""Errors a caller can act on, and the one handler that turns them into responses."""

from __future__ import annotations

import logging
import re

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.exceptions import NotFoundException as LitestarNotFound
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

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
_KINDS = {
    "int": "um número inteiro",
    "float": "um número",
    "str": "um texto",
    "bool": "true ou false",
    "array": "uma lista",
    "object": "um objeto",
}


def _reason(entry: dict[str, object]) -> str:
    """One of Litestar's validation messages, in Portuguese and naming the parameter or
    field it is about (``tag: esperado um número inteiro``)."""
    full = str(entry.get("message", ""))
    at = _AT.search(full)
    message = _AT.sub("", full)
    name = (at.group(1) if at and at.group(1) else None) or entry.get("key")
    if expected := _EXPECTED.search(message):
        kinds = [k.strip() for k in expected.group(1).split("|") if k.strip() != "null"]
        text = "esperado " + " ou ".join(_KINDS.get(k, k) for k in kinds)
    elif choice := _BAD_CHOICE.search(message):
        text = f"valor não aceito: '{choice.group(1)}'"
    elif message.startswith(("Object missing required field", "Object contains unknown field")):
        text = "campo obrigatório ausente" if "missing" in message else "campo desconhecido"
        field_name = message.rpartition(" ")[2].strip("`")
        name = f"{at.group(1)}.{field_name}" if at and at.group(1) else field_name
    else:
        text = message
    return f"{name}: {text}" if name else text


def handle_http_error(request: Request, exc: HTTPException) -> Response[dict[str, object]]:
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        reasons = "; ".join(_reason(e) for e in extra if isinstance(e, dict))
        return _json(400, "invalid_input", f"Dados inválidos: {reasons or exc.detail}")
    if isinstance(exc, LitestarNotFound):
        return _json(404, "not_found", "Não encontrado.")
    if isinstance(exc, NotAuthorizedException):
        return _json(401, "auth.required", "Faça login para continuar.")
    return _json(exc.status_code, "http_error", str(exc.detail))


def handle_unexpected(request: Request, exc: Exception) -> Response[dict[str, object]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _json(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Erro interno. A equipe técnica foi avisada pelo registro do sistema.",
    )


EXCEPTION_HANDLERS = {
    AppError: handle_app_error,
    HTTPException: handle_http_error,
    Exception: handle_unexpected,
}
