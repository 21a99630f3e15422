"""Messages into the app the way the bridge brings them: a driver's events, converted by the
bridge's own ``journal_entries``, files uploaded first, then the frame, over the app's
real ``/bridge/v1`` routes."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from appliance.core.clock import now_ms
from bridge.drivers.sim.customers import draft
from bridge.protocol import InboundEvent, MessageEvent, MessageKind
from bridge.runner import journal_entries
from wire import contract as c


class PhoneFeed:
    """One device's link, for tests that need what a customer's phone really sends."""

    def __init__(self, client: AsyncTestClient[Litestar], token: str, seed: int = 10) -> None:
        self.client, self.token = client, token
        self.rng = random.Random(seed)
        self.seq = 0
        self.n = 0

    async def deliver(self, *events: InboundEvent) -> None:
        entries, files = journal_entries(list(events))
        auth = {"Authorization": f"Bearer {self.token}"}
        for sha, data in files.items():
            r = await self.client.put(f"/bridge/v1/files/{sha}", content=data, headers=auth)
            assert r.status_code == 200, r.text
        numbered = []
        for entry in entries:
            self.seq += 1
            numbered.append(msgspec.structs.replace(entry, seq=self.seq))
        r = await self.client.post(
            "/bridge/v1/events",
            content=c.encode_frame(c.EventBatch(version=c.CONTRACT_VERSION, events=numbered)),
            headers={**auth, "Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text

    async def customer_sends(
        self,
        e164: str,
        kind: MessageKind,
        text: str = "",
        *,
        more_extra: dict[str, Any] | None = None,
        **media_changes: Any,
    ) -> MessageEvent:
        """What the simulated customer ``e164`` sends as ``kind`` (the simulator's own
        media: photos, vCards, places …), with ``media_changes`` applied to its media and
        ``more_extra`` added to its ``extra``."""
        made = draft(self.rng, kind, text, now_ms(), e164)
        media = made.media
        if media is not None and more_extra:
            media_changes["extra"] = {**media.extra, **more_extra}
        if media is not None and media_changes:
            media = replace(media, **media_changes)
        self.n += 1
        event = MessageEvent(
            wa_id=f"FEED{self.n:06d}",
            chat=e164.lstrip("+") + "@s.whatsapp.net",
            from_me=False,
            sent_at=now_ms(),
            kind=made.kind,
            body=made.body,
            media=media,
        )
        await self.deliver(event)
        return event
