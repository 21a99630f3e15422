"""Media messages play inline: the customer's photo is shown and the voice note plays, with
the real bridge and the simulated phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Staff, snap
from tests.harness import Box, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CUSTOMER = "+5511987650123"
# Resolves with the audio's duration once the browser has read the file's header.
AUDIO_DURATION = """(audio) => new Promise((resolve, reject) => {
  if (audio.readyState >= 1) return resolve(audio.duration);
  audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true });
  audio.addEventListener("error", () => reject(new Error("audio error " + audio.error?.code)));
  audio.load();
})"""


def test_a_customers_photo_shows_and_voice_note_plays(
    box: Box, box_staff: Staff, output_dir: Path
) -> None:
    box.start_bridge()
    box.sim("POST", "/send", {"from": CUSTOMER, "text": "Oi! Tem essa capinha?"})
    box.sim("POST", "/send", {"from": CUSTOMER, "kind": "image", "text": "Essa aqui"})
    box.sim("POST", "/send", {"from": CUSTOMER, "kind": "voice"})
    chat = wait_until(
        lambda: box.scalar(
            "SELECT max(chat) FROM message WHERE kind = 'voice' AND json_extract(media, '$.stored')"
        ),
        what="the voice note with its file",
    )

    page = box_staff.page(1, path=f"/?chat={chat}")
    image = page.locator(".msg .media.image img")
    expect(image).to_have_count(1)
    expect(image).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [320, 240]

    audio = page.locator(".msg .media.voice audio")
    expect(audio).to_have_count(1)
    src = audio.get_attribute("src")
    assert src is not None
    assert src.startswith(f"{box.url}/api/v1/chats/{chat}/media/")
    duration = audio.evaluate(AUDIO_DURATION)
    assert 0.5 < duration < 10
    expect(page.locator(".msg .media")).not_to_contain_text(["arquivo ainda não disponível"])
    page.locator(".msg .media.voice").scroll_into_view_if_needed()
    snap(page, output_dir, "media-photo-and-voice-note.png")
