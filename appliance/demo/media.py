"""Small real files for the demo's photos, voice notes, videos, stickers and documents, made
at seed time with Pillow and PyAV, so the inbox shows and plays them instead of "arquivo ainda
não disponível". Each is a few kilobytes: a 480x360 JPEG, 8 kbit/s Opus, a 160x120 video at
5 frames a second."""

from __future__ import annotations

import io
import math
from array import array
from fractions import Fraction

import av
from PIL import Image, ImageDraw

# Opus speech at 8 kbit/s: a 48-second voice note is about 50 KB, as WhatsApp's are.
VOICE_BITRATE = 8_000
VOICE_RATE = 48_000
VIDEO_SIZE = (160, 120)
VIDEO_FPS = 5


def _colour(seed: int) -> tuple[int, int, int]:
    return (60 + seed * 47 % 160, 90 + seed * 89 % 140, 120 + seed * 31 % 120)


def photo(caption: str, seed: int) -> bytes:
    """A JPEG "photo": a coloured card with the caption (or a receipt-like line) on it."""
    image = Image.new("RGB", (480, 360), _colour(seed))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((40, 60, 440, 300), radius=18, fill=(250, 250, 245))
    draw.text((64, 90), "Vila Cell", fill=(40, 40, 40), font_size=28)
    for row, line in enumerate((caption or "Foto").splitlines()[:4]):
        draw.text((64, 150 + row * 34), line[:30], fill=(70, 70, 70), font_size=22)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def sticker(seed: int) -> bytes:
    """A WebP sticker: a smiling face on a transparent 256x256 square."""
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, 240, 240), fill=(*_colour(seed), 255))
    draw.ellipse((80, 80, 104, 112), fill=(30, 30, 30, 255))
    draw.ellipse((152, 80, 176, 112), fill=(30, 30, 30, 255))
    draw.arc((70, 110, 186, 200), start=20, end=160, fill=(30, 30, 30, 255), width=10)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=60)
    return out.getvalue()


def document(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (a page of 420 × 595 points, the ISO size A-five, drawn with Pillow)."""
    page = Image.new("RGB", (420, 595), "white")
    draw = ImageDraw.Draw(page)
    draw.text((30, 30), title, fill=(20, 20, 20), font_size=20)
    for row, line in enumerate(lines[:24]):
        draw.text((30, 80 + row * 20), line, fill=(50, 50, 50), font_size=13)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72)
    return out.getvalue()


def _hum(seed: int) -> bytes:
    """One second of 16-bit mono samples: a tone that rises and falls three times, like
    speech; a voice note repeats it (computing every sample would take 5 s for 48 s)."""
    base = 140 + seed % 60
    samples = array("h")
    for i in range(VOICE_RATE):
        t = i / VOICE_RATE
        envelope = 0.5 + 0.5 * math.sin(2 * math.pi * 3 * t)
        samples.append(int(6000 * envelope * math.sin(2 * math.pi * base * t)))
    return samples.tobytes()


def voice(seconds: int, seed: int) -> bytes:
    """An OGG/Opus voice note of ``seconds``."""
    second = _hum(seed)
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=VOICE_RATE, layout="mono")
        stream.bit_rate = VOICE_BITRATE
        # The cheapest encoder setting: a tone needs no more, and seeding stays quick.
        stream.options = {"compression_level": "0", "application": "voip"}
        # One frame a second: PyAV cuts them into Opus's 20 ms frames.
        for start in range(0, seconds * VOICE_RATE, VOICE_RATE):
            frame = av.AudioFrame(format="s16", layout="mono", samples=VOICE_RATE)
            frame.planes[0].update(second)
            frame.sample_rate = VOICE_RATE
            frame.pts = start
            frame.time_base = Fraction(1, VOICE_RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def video(seconds: int, seed: int) -> bytes:
    """An MP4 (H.264) of ``seconds``: a coloured square crossing the picture."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height = VIDEO_SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "35", "preset": "veryfast"}
        frames = seconds * VIDEO_FPS
        for n in range(frames):
            image = Image.new("RGB", VIDEO_SIZE, _colour(seed))
            x = int((VIDEO_SIZE[0] - 40) * n / max(1, frames - 1))
            ImageDraw.Draw(image).rectangle((x, 40, x + 40, 80), fill=(250, 250, 250))
            frame = av.VideoFrame.from_image(image)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
