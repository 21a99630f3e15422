"""Small, valid media files the simulated customers send: photos, voice notes, audio, videos,
stickers, PDFs, vCards. Encoded sound and video are made once per process and variant."""

from __future__ import annotations

import functools
import io
import math
import random
import struct
from collections.abc import Callable, Iterator
from typing import Any, Literal

import av
from PIL import Image, ImageDraw, ImageFont

PALETTE = ((37, 99, 235), (22, 163, 74), (219, 39, 119), (234, 88, 12), (124, 58, 237),
           (13, 148, 136), (202, 138, 4), (71, 85, 105))  # fmt: skip


def profile_photo(name: str, rng: random.Random) -> bytes:
    """A 96×96 JPEG avatar: the initials on a coloured background."""
    image = Image.new("RGB", (96, 96), rng.choice(PALETTE))
    draw = ImageDraw.Draw(image)
    initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
    font = ImageFont.load_default(size=40)
    draw.text((48, 48), initials, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def photo(rng: random.Random, caption: str = "", fmt: str = "JPEG") -> bytes:
    """A 320×240 picture of a "product": shapes on a gradient, JPEG or PNG."""
    top, bottom = rng.sample(PALETTE, 2)
    image = Image.new("RGB", (320, 240))
    draw = ImageDraw.Draw(image)
    for y in range(240):
        t = y / 239
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (319, y)], fill=colour)
    for _ in range(3):
        x, y, r = rng.randint(40, 280), rng.randint(40, 200), rng.randint(15, 45)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice(PALETTE), outline="white")
    if caption:
        draw.text((10, 215), caption[:40], fill="white", font=ImageFont.load_default(size=14))
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 75} if fmt == "JPEG" else {}))
    return out.getvalue()


def voice_note(rng: random.Random, seconds: int) -> bytes:
    """An OGG/Opus mono voice note of ``seconds``: a gliding tone with syllable-like pulses."""
    return _voice_note(round(rng.uniform(140, 260) / 20) * 20, seconds)


def audio_file(rng: random.Random, seconds: int) -> bytes:
    """An MP3 (mono) of ``seconds``, like a song or a forwarded audio: a two-tone melody."""
    return _tune(rng.choice((220, 262, 294, 330)), seconds)


def video(rng: random.Random, seconds: int) -> bytes:
    """A small H.264 MP4 (160×120, 10 fps) of ``seconds``: a ball crossing a gradient."""
    return _video(PALETTE.index(rng.choice(PALETTE)), seconds)


def sticker(rng: random.Random) -> bytes:
    """A 256×256 WebP sticker with a transparent background: a smiling face."""
    return _sticker(PALETTE.index(rng.choice(PALETTE)))


def _pcm(seconds: int, rate: int, sample: Callable[[float], float]) -> Iterator[tuple[int, bytes]]:
    frame = 960 if rate == 48000 else 1152
    for start in range(0, rate * seconds, frame):
        values = (int(sample((start + i) / rate)) for i in range(frame))
        yield start, struct.pack(f"<{frame}h", *values)


def _encode_audio(
    fmt: str,
    codec: Literal["libopus", "libmp3lame"],
    rate: int,
    chunks: Iterator[tuple[int, bytes]],
) -> bytes:
    out_buf = io.BytesIO()
    container = av.open(out_buf, mode="w", format=fmt)
    stream = container.add_stream(codec, rate=rate, layout="mono")
    stream.bit_rate = 16000 if codec == "libopus" else 32000

    def frames() -> Iterator[av.AudioFrame]:
        for start, samples in chunks:
            audio = av.AudioFrame(format="s16", layout="mono", samples=len(samples) // 2)
            audio.planes[0].update(samples)
            audio.sample_rate = rate
            audio.pts = start
            yield audio

    _mux(container, stream, frames())
    return out_buf.getvalue()


def _mux(container: av.container.OutputContainer, stream: Any, frames: Iterator[Any]) -> None:
    """Encode ``frames`` into ``stream``, flush the encoder and close the container."""
    for frame in frames:
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()


@functools.lru_cache(maxsize=64)
def _voice_note(base: float, seconds: int) -> bytes:
    rate = 48000
    phase = 0.0

    def sample(t: float) -> float:
        nonlocal phase
        pitch = base * (1 + 0.15 * math.sin(2 * math.pi * 0.7 * t))
        phase += 2 * math.pi * pitch / rate
        envelope = math.sqrt(max(0.0, math.sin(2 * math.pi * 3.0 * t)))
        return 9000 * envelope * math.sin(phase)

    return _encode_audio("ogg", "libopus", rate, _pcm(seconds, rate, sample))


@functools.lru_cache(maxsize=32)
def _tune(base: float, seconds: int) -> bytes:
    rate = 44100

    def sample(t: float) -> float:
        note = base * (1.5 if int(t * 2) % 2 else 1.0)
        return 7000 * math.sin(2 * math.pi * note * t)

    return _encode_audio("mp3", "libmp3lame", rate, _pcm(seconds, rate, sample))


@functools.lru_cache(maxsize=32)
def _video(colour: int, seconds: int) -> bytes:
    fps, width, height = 10, 160, 120
    out_buf = io.BytesIO()
    container = av.open(out_buf, mode="w", format="mp4")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "30"}
    top, bottom = PALETTE[colour], PALETTE[(colour + 3) % len(PALETTE)]

    def frames() -> Iterator[av.VideoFrame]:
        for n in range(fps * seconds):
            image = Image.new("RGB", (width, height), top)
            draw = ImageDraw.Draw(image)
            draw.rectangle([0, height // 2, width, height], fill=bottom)
            x = round((width - 30) * n / max(1, fps * seconds - 1))
            draw.ellipse([x, 45, x + 30, 75], fill="white")
            frame = av.VideoFrame.from_image(image)
            frame.pts = n
            yield frame

    _mux(container, stream, frames())
    return out_buf.getvalue()


@functools.lru_cache(maxsize=16)
def _sticker(colour: int) -> bytes:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([16, 16, 240, 240], fill=PALETTE[colour], outline="white", width=8)
    draw.ellipse([80, 80, 104, 112], fill="white")
    draw.ellipse([152, 80, 176, 112], fill="white")
    draw.arc([72, 100, 184, 196], start=20, end=160, fill="white", width=10)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80)
    return out.getvalue()


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and a few lines of text (Helvetica, Latin-1)."""

    def esc(text: str) -> str:
        raw = text.encode("latin-1", "replace").decode("latin-1")
        return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 18 Tf", "50 780 Td", f"({esc(title)}) Tj", "/F1 12 Tf"]
    for line in lines:
        ops += ["0 -24 Td", f"({esc(line)}) Tj"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def vcard(name: str, e164: str) -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nTEL;type=CELL;waid={e164.lstrip('+')}:"
        f"{e164}\r\nEND:VCARD\r\n"
    ).encode()
