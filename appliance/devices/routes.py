"""Devices API and the health check."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from appliance.accounts.permissions import can_see_numbers
from appliance.devices import service
from appliance.runtime import Runtime
from appliance.web import actor_of


class DevicesController(Controller):
    path = "/api/v1/devices"
    tags = ["devices"]

    @get("", summary="Aparelhos, estado da conexão e fila")
    async def list_devices(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> list[dict[str, Any]]:
        return await runtime.db.read(service.list_devices, can_see_numbers(actor_of(request)))


@get("/healthz", tags=["health"], summary="Saúde do sistema: aparelhos e filas")
async def healthz(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    """200 while the database answers; each device's state and queued count."""
    try:
        devices = await runtime.db.read(service.list_devices, False)
    except Exception as exc:
        return Response({"status": "error", "detail": str(exc)}, status_code=503)
    return Response(
        {
            "status": "ok",
            "devices": [
                {
                    k: d[k]
                    for k in (
                        "id",
                        "name",
                        "state",
                        "outbox",
                        "phone_queue",
                        "queued",
                        "last_event_at",
                    )
                }
                for d in devices
            ],
        }
    )
