"""Shared helpers for the formats tests: where the real data lives and streams that behave like uploads/S3."""

from __future__ import annotations

import io
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DATA = Path(os.environ.get("LABELHUB_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
WIKIGOLD = SHARED_DATA / "formats" / "wikigold" / "wikigold.conll.txt"
COCO_SUBSET = SHARED_DATA / "formats" / "coco_val2017_subset" / "instances_val2017_first4.json"


class ChunkedBody:
    """Like botocore's StreamingBody: only read(n), and it returns at most a few bytes per call."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self._data = io.BytesIO(data)
        self._chunk = chunk

    def read(self, n: int = -1) -> bytes:
        size = self._chunk if n is None or n < 0 else min(n, self._chunk)
        return self._data.read(size)


class EndlessStream(io.RawIOBase):
    """A stream that never ends: `head` followed by make_record(1), make_record(2), ...; counts bytes served.

    A reader that is not lazy would never return from it.
    """

    def __init__(self, head: bytes, make_record) -> None:
        self._pending = head
        self._make = make_record
        self._next = 1
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._pending) < len(buffer):
            self._pending += self._make(self._next)
            self._next += 1
        n = len(buffer)
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.served += n
        return n
