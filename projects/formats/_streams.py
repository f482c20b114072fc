"""Byte-stream helpers: turn any readable binary object into buffered lines or a BOM-free byte stream.

Uploads (Django's UploadedFile), local files and S3 streaming bodies all offer `read(n)` but differ in everything
else (S3 bodies iterate in fixed-size chunks, not lines). Wrapping them behind one small adapter lets readers stay
lazy and use C-speed line splitting without ever holding more than one buffer of the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, BinaryIO

BOM = b"\xef\xbb\xbf"
BUFFER_SIZE = 1 << 16


class _ReadAdapter(io.RawIOBase):
    """Expose any object with `read(n) -> bytes` as a raw stream. Closing the adapter leaves the source open."""

    def __init__(self, source: Any) -> None:
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        if isinstance(data, str):
            raise TypeError("expected a binary stream (opened with 'rb'), got text")
        n = len(data)
        buffer[:n] = data
        return n


def buffered(stream: BinaryIO | Any) -> io.BufferedIOBase:
    """Return a buffered binary view of `stream`; raise TypeError for text streams (a caller bug, not bad data)."""
    if isinstance(stream, io.TextIOBase):
        raise TypeError("expected a binary stream (opened with 'rb'), got text")
    if isinstance(stream, io.BufferedIOBase):
        return stream
    return io.BufferedReader(_ReadAdapter(stream), BUFFER_SIZE)


def iter_lines(stream: BinaryIO | Any) -> Iterator[bytes]:
    """Yield the physical lines of a binary stream (terminators kept), with a leading UTF-8 BOM removed."""
    reader = buffered(stream)
    first = True
    for line in reader:
        if first:
            first = False
            if line.startswith(BOM):
                line = line[len(BOM) :]
        yield line


class BomSkipper(io.RawIOBase):
    """A raw stream over `stream` that drops a leading UTF-8 BOM and can report its first non-blank byte.

    ijson's C backend rejects a BOM, and a top-level object instead of an array would otherwise silently yield
    no items; peeking lets the Label Studio reader say what is wrong instead.
    """

    def __init__(self, stream: BinaryIO | Any) -> None:
        self._reader = buffered(stream)
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def first_byte(self) -> bytes:
        """The first byte that is not whitespace (b"" for an empty stream), without consuming anything."""
        self._start()
        while True:
            stripped = self._pending.lstrip()
            if stripped:
                return stripped[:1]
            more = self._reader.read(BUFFER_SIZE)
            if not more:
                return b""
            self._pending = stripped + more

    def _start(self) -> None:
        if not self._started:
            self._started = True
            head = self._reader.read(len(BOM))
            self._pending = b"" if head == BOM else head

    def readinto(self, buffer: Any) -> int:
        self._start()
        if self._pending:
            n = min(len(buffer), len(self._pending))
            buffer[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return n
        data = self._reader.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def json_error_message(exc: Exception) -> str:
    """ijson/yajl messages are multi-line bytes with an ASCII-art pointer; keep the readable first line."""
    message = exc.args[0] if exc.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    lines = str(message).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
