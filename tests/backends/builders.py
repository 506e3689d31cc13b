"""Tickets and configs for backend tests, built the way the store builds them."""

from __future__ import annotations

import os
import struct
import uuid
import zlib
from pathlib import Path

from tokohelp.config import Config, load_config
from tokohelp.tickets.model import Attachment, Ticket


def png_bytes() -> bytes:
    """A valid 1x1 PNG, so type detection and RT see a real image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def make_ticket(directory: Path, *, subject: str | None = None, email: str | None = None,
                files: dict[str, tuple[str, bytes]] | None = None) -> Ticket:
    """A stored-looking ticket; ``files`` maps name -> (mime, content)."""
    directory.mkdir(parents=True, exist_ok=True)
    attachments = []
    for name, (mime, data) in (files or {}).items():
        path = directory / f"copy-{name}"
        path.write_bytes(data)
        attachments.append(Attachment(name=name, mime=mime, size=len(data), stored_path=path))
    return Ticket(id=1, subject=subject or f"Refund missing {uuid.uuid4().hex[:8]}",
                  body="My refund for order 123 has not arrived.\nPlease help.",
                  category="refund", backend="desk", status="queued",
                  created="2025-01-01T00:00:00+00:00", idempotency_key=str(uuid.uuid4()),
                  order_id="INV/123", email=email, attachments=attachments)


def write_config(text: str) -> Config:
    """Write the config file where TOKOHELP_CONFIG points and load it."""
    path = Path(os.environ["TOKOHELP_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_config()


def rt_config(url: str, *, password_env: str = "RT_PASSWORD", extra: str = "") -> str:
    """A config with one rt backend ``desk`` as default."""
    return (f'default_backend = "desk"\n[backends.desk]\ntype = "rt"\nurl = "{url}"\n'
            f'queue = "General"\nusername = "root"\npassword_env = "{password_env}"\n{extra}')


def http_config(url: str, *, mode: str = "base64", extra: str = "") -> str:
    """A config with one http backend ``desk`` as default, token from DESK_TOKEN."""
    return (f'default_backend = "desk"\n[backends.desk]\ntype = "http"\nurl = "{url}"\n'
            f'token_env = "DESK_TOKEN"\nattachments = "{mode}"\n{extra}')
