"""Actions on a chat's messages: send, sync from the phone, recheck receipts, reload photo,
and the files of its media messages."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from appliance.areas.bridge_api.service import LinkSignals
from appliance.areas.chats.access import access_chat
from appliance.areas.devices import jobs
from appliance.areas.devices.tasks import trigger_job
from appliance.areas.files.serve import file_response, names_only_vcard_response
from appliance.areas.messages.outbound import queue_message
from appliance.areas.messages.schemas import Job, Message
from appliance.areas.messages.service import get_message_file
from appliance.core.answers import answer
from appliance.core.db import Conn
from appliance.core.limits import ClientId, MessageText, PathId
from appliance.http.context import Context, Ctx
from appliance.http.live import ChatChanges


class SendMessage(msgspec.Struct, frozen=True):
    body: MessageText
    client_id: ClientId | None = None


class SyncMessages(msgspec.Struct, frozen=True):
    older: bool = False


def _request_chat_job(
    conn: Conn, actor: Any, chat_id: int, kind: str, args: dict[str, Any]
) -> dict[str, Any]:
    chat = access_chat(conn, actor, chat_id)
    jobs.check_device_can(conn, chat["device"], kind)
    job_id = jobs.request_job(conn, chat["device"], kind, chat_id, args)
    job = jobs.get_job(conn, job_id)
    assert job is not None
    return job


@post(
    "/api/v1/chats/{chat_id:int}/messages",
    status_code=202,
    tags=["messages"],
    summary="Enviar uma mensagem de texto",
)
async def send_message(ctx: Ctx, chat_id: PathId, data: JSONBody[SendMessage]) -> Message:
    """Answers at once with the queued message; it goes out when the phone can send it.
    The same ``client_id`` again answers the first message (nothing is sent twice)."""
    message, created, device_id = await ctx.write_as(
        queue_message, chat_id, data.body, data.client_id
    )
    if created:
        signals: LinkSignals = ctx.request.app.state.link
        signals.wake(device_id)
        await ctx.publish_chats(ChatChanges(chats=[chat_id], sent=[message["id"]]))
        ctx.hub.device_changed()
    return answer(message, Message)


class MessageActionsController(Controller):
    path = "/api/v1/chats"
    tags = ["messages"]

    async def _job(self, ctx: Context, chat_id: int, kind: str, args: dict[str, Any]) -> Job:
        job = await ctx.write_as(_request_chat_job, chat_id, kind, args)
        if job["state"] == "pending":
            trigger_job(ctx.jobs, job["id"])
        return answer(jobs.job_payload(job), Job)

    @post("/{chat_id:int}/sync", status_code=202, summary="Recarregar mensagens do celular")
    async def sync(self, ctx: Ctx, chat_id: PathId, data: JSONBody[SyncMessages]) -> Job:
        return await self._job(ctx, chat_id, "sync", {"older": data.older})

    @post("/{chat_id:int}/recheck-receipts", status_code=202, summary="Reconferir confirmações")
    async def recheck_receipts(self, ctx: Ctx, chat_id: PathId) -> Job:
        return await self._job(ctx, chat_id, "recheck", {})

    @post("/{chat_id:int}/reload-photo", status_code=202, summary="Recarregar foto do perfil")
    async def reload_photo(self, ctx: Ctx, chat_id: PathId) -> Job:
        return await self._job(ctx, chat_id, "photo", {})

    @get(
        "/{chat_id:int}/media/{message_id:int}",
        summary="Arquivo de uma mensagem (foto, áudio, vídeo, documento)",
        response_description="O arquivo inteiro, ou o trecho pedido em Range (206)",
        responses={
            200: ResponseSpec(
                bytes, description="O arquivo inteiro", media_type="application/octet-stream"
            ),
            206: ResponseSpec(
                bytes,
                description="O trecho pedido em Range",
                media_type="application/octet-stream",
            ),
        },
    )
    async def media(self, ctx: Ctx, chat_id: PathId, message_id: PathId) -> Response[Any]:
        """Pictures, audio and video are shown inline; any other file is a download."""
        found = await ctx.read_as(get_message_file, chat_id, message_id)
        files_dir = ctx.runtime.settings.files_dir
        if found["names_only"]:
            return await asyncio.to_thread(
                names_only_vcard_response,
                files_dir,
                found["sha256"],
                found["filename"],
            )
        return await asyncio.to_thread(
            file_response,
            files_dir,
            found["sha256"],
            found["size"],
            found["mime"],
            found["filename"],
            ctx.request.headers.get("range"),
        )
