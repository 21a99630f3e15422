"""Devices API and the health check."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from appliance.areas.bridge_api import service as link
from appliance.areas.devices import service
from appliance.areas.devices.pairing import qr_svg
from appliance.areas.devices.schemas import (
    BridgeSetup,
    Device,
    Health,
    HealthDevice,
    HealthError,
    SetAside,
)
from appliance.core.answers import answer, answers
from appliance.core.errors import NotFound
from appliance.core.i18n import _
from appliance.core.limits import Keyword, Name, PathId
from appliance.http.context import Ctx
from appliance.http.deps import require_admin
from appliance.http.runtime import Runtime


class DeviceCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    driver: Keyword = "sim"


class DeviceRename(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


def _bridge_setup(runtime: Runtime, device: dict[str, Any], token: str) -> BridgeSetup:
    """How to start the device's bridge on the box: the token is written where the bridge
    reads it and shown once, for a bridge that runs elsewhere."""
    device_id = device["id"]
    token_file = service.save_bridge_token(runtime.settings.device_dir(device_id), token)
    driver = "" if device["driver"] == "sim" else f" --driver {device['driver']}"
    return BridgeSetup(
        device=answer(device, Device),
        token=token,
        token_file=str(token_file),
        command=f"balcao bridge --device {device_id}{driver}",
        service=f"balcao-bridge@{device_id}.service",
    )


class DevicesController(Controller):
    path = "/api/v1/devices"
    tags = ["devices"]

    @get("", summary="Aparelhos, estado da conexão e fila")
    async def list_devices(self, ctx: Ctx) -> list[Device]:
        devices = await ctx.read(service.list_devices, *service.device_view(ctx.actor))
        return answers(devices, Device)

    @post("", guards=[require_admin], summary="Cadastrar um aparelho (mostra o token do bridge)")
    async def create_device(self, ctx: Ctx, data: JSONBody[DeviceCreate]) -> Response[BridgeSetup]:
        """201 with the device, its bridge token (shown only now; stored hashed) and the
        command that starts its bridge. Devices are never deleted here: their chats would go
        with them."""

        def create(conn: Any) -> tuple[dict[str, Any], str]:
            device_id, token = service.create_device(conn, data.name, data.driver)
            return service.get_device(conn, device_id, True), token

        device, token = await ctx.write(create)
        ctx.hub.device_changed()
        return Response(_bridge_setup(ctx.runtime, device, token), status_code=201)

    @patch("/{device_id:int}", guards=[require_admin], summary="Renomear um aparelho")
    async def rename_device(
        self, ctx: Ctx, device_id: PathId, data: JSONBody[DeviceRename]
    ) -> Device:
        def rename(conn: Any) -> dict[str, Any]:
            service.rename_device(conn, device_id, data.name)
            return service.get_device(conn, device_id, True)

        device = await ctx.write(rename)
        ctx.hub.device_changed()
        return answer(device, Device)

    @post(
        "/{device_id:int}/token",
        guards=[require_admin],
        status_code=200,
        summary="Gerar um novo token do bridge (o anterior deixa de valer)",
    )
    async def new_token(self, runtime: NamedDependency[Runtime], device_id: PathId) -> BridgeSetup:
        """For a lost token or a bridge moved to another machine. A bridge still running with
        the old token is refused within half a minute (the link caches tokens that long)."""

        def rotate(conn: Any) -> tuple[dict[str, Any], str]:
            token = service.rotate_device_token(conn, device_id)
            return service.get_device(conn, device_id, True), token

        device, token = await runtime.db.write(rotate)
        return _bridge_setup(runtime, device, token)

    @get(
        "/{device_id:int}/pairing.svg",
        guards=[require_admin],
        summary="O QR code que o celular da loja lê para se conectar (enquanto aguarda)",
        media_type="image/svg+xml",
        responses={200: ResponseSpec(bytes, description="O QR code", media_type="image/svg+xml")},
    )
    async def pairing_qr(self, ctx: Ctx, device_id: PathId) -> Response[bytes]:
        """The QR code of the device's pairing, while its bridge waits for the phone (404
        otherwise); WhatsApp replaces it every 20 s or so, and so does this answer."""
        device = await ctx.read(service.get_device, device_id, True, True)
        pairing = device["pairing"]
        if not pairing or not pairing.get("qr"):
            raise NotFound(
                _("Este aparelho não está aguardando pareamento."), code="device.not_pairing"
            )
        return Response(
            qr_svg(pairing["qr"]),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store"},
        )

    @get(
        "/{device_id:int}/set-aside",
        guards=[require_admin],
        summary="Eventos que o bridge pôs de lado (recusados ou com falha repetida)",
    )
    async def set_aside(self, runtime: NamedDependency[Runtime], device_id: PathId) -> SetAside:
        """The events the device's bridge gave up on, newest first, with the reason; the link
        went on without them and the bridge keeps them in its journal."""

        def read(conn: Any) -> dict[str, Any]:
            service.get_device(conn, device_id, False)  # 404 for an unknown device
            return link.set_aside_events(conn, device_id)

        return answer(await runtime.db.read(read), SetAside)


@get(
    "/healthz",
    tags=["health"],
    summary="Saúde do sistema: aparelhos e filas",
    responses={
        200: ResponseSpec(Health, description="O banco responde"),
        503: ResponseSpec(HealthError, description="O banco de dados não responde"),
    },
)
async def healthz(runtime: NamedDependency[Runtime]) -> Response[Health | HealthError]:
    """200 while the database answers; each device's state and queued count."""
    try:
        devices = await runtime.db.read(service.list_devices, False)
    except Exception as exc:
        return Response(HealthError(status="error", detail=str(exc)), status_code=503)
    return Response(
        Health(
            status="ok",
            # The health check shows each device's link and queues, not its number or driver.
            devices=[
                HealthDevice(**{k: d[k] for k in HealthDevice.__struct_fields__}) for d in devices
            ],
        )
    )
