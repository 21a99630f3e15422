"""Small, valid media files the simulated customers send: photos, voice notes, PDFs, vCards."""

from __future__ import annotations

import io
import math
import random
import struct

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
    rate, frame = 48000, 960
    out_buf = io.BytesIO()
    container = av.open(out_buf, mode="w", format="ogg")
    stream = container.add_stream("libopus", rate=rate, layout="mono")
    stream.bit_rate = 16000
    base = rng.uniform(140, 260)
    phase = 0.0
    for start in range(0, rate * seconds, frame):
        samples = bytearray()
        for i in range(frame):
            t = (start + i) / rate
            pitch = base * (1 + 0.15 * math.sin(2 * math.pi * 0.7 * t))
            phase += 2 * math.pi * pitch / rate
            envelope = max(0.0, math.sin(2 * math.pi * 3.0 * t)) ** 0.5
            samples += struct.pack("<h", int(9000 * envelope * math.sin(phase)))
        audio = av.AudioFrame(format="s16", layout="mono", samples=frame)
        audio.planes[0].update(bytes(samples))
        audio.sample_rate = rate
        audio.pts = start
        for packet in stream.encode(audio):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()
    return out_buf.getvalue()


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
