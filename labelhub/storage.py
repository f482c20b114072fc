"""Blob storage for uploads and exports: a local directory by default, S3 (boto3) when a bucket is configured.

Keys are relative paths ("<schema>/imports/12/data.jsonl"). Readers get binary file objects that stream:
a local file, or botocore's StreamingBody, so a 1 GB upload is never held in memory.
"""

import contextlib
import fnmatch
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from django.conf import settings

from labelhub.errors import DomainError

CHUNK = 1024 * 1024


class StorageError(DomainError):
    code = "storage_error"


def s3_client():
    """A boto3 S3 client for the configured endpoint (AWS, or any S3-compatible server)."""
    return boto3.client(
        "s3",
        endpoint_url=settings.S3_ENDPOINT_URL,
        region_name=settings.S3_REGION,
        config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
    )


def _local_path(key: str) -> Path:
    root = Path(settings.STORAGE_DIR).resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise StorageError(f"storage key {key!r} escapes the storage directory", field="key")
    return path


def save_stream(key: str, stream: BinaryIO) -> int:
    """Copy a binary stream to storage under key, chunk by chunk. Returns the byte count."""
    if settings.S3_BUCKET:
        counter = _CountingReader(stream)
        s3_client().upload_fileobj(counter, settings.S3_BUCKET, key)
        return counter.count
    path = _local_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, CHUNK)
        return out.tell()


def open_stream(key: str) -> BinaryIO:
    if settings.S3_BUCKET:
        return open_s3_object(settings.S3_BUCKET, key)
    path = _local_path(key)
    if not path.exists():
        raise StorageError(f"stored file {key!r} is missing", field="key", code="missing_file")
    return path.open("rb")


def delete(key: str) -> None:
    if settings.S3_BUCKET:
        s3_client().delete_object(Bucket=settings.S3_BUCKET, Key=key)
    else:
        _local_path(key).unlink(missing_ok=True)


def open_s3_object(bucket: str, key: str) -> BinaryIO:
    from botocore.exceptions import ClientError

    try:
        return s3_client().get_object(Bucket=bucket, Key=key)["Body"]
    except ClientError as exc:
        raise StorageError(f"cannot read s3://{bucket}/{key}: {_s3_reason(exc)}", field="key") from None


def list_s3_keys(bucket: str, prefix: str, pattern: str = "*") -> Iterator[str]:
    """Keys under prefix whose file name matches the glob pattern, across all pages of the listing."""
    from botocore.exceptions import ClientError

    paginator = s3_client().get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if not key.endswith("/") and fnmatch.fnmatch(key.rsplit("/", 1)[-1], pattern):
                    yield key
    except ClientError as exc:
        raise StorageError(f"cannot list s3://{bucket}/{prefix}: {_s3_reason(exc)}", field="bucket") from None


def _s3_reason(exc) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()


class _CountingReader:
    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data


PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB; 8 MiB keeps a 1 GB file under 130 parts


class BlobWriter:
    """A write-only binary sink for one storage key, constant in memory: S3 multipart upload (one part buffered at
    a time) or a local temporary file. Nothing is visible under the key until `commit()`; `abort()` (or an
    exception inside the `with` block) leaves nothing behind."""

    def __init__(self, key: str):
        self.key = key
        self.bytes = 0
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self._upload_id = None
        self._file = None
        if settings.S3_BUCKET:
            self._client = s3_client()
            self._upload_id = self._call("create_multipart_upload", Bucket=settings.S3_BUCKET, Key=key)["UploadId"]
        else:
            self._path = _local_path(key)
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = self._path.with_name(self._path.name + ".partial")
            self._file = self._tmp.open("wb")

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import ClientError

        try:
            return getattr(self._client, method)(**kwargs)
        except ClientError as exc:
            raise StorageError(f"cannot write s3://{settings.S3_BUCKET}/{self.key}: {_s3_reason(exc)}",
                               field="bucket") from None  # fmt: skip

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        if self._file is not None:
            return self._file.write(data)
        self._buffer += data
        if len(self._buffer) >= PART_SIZE:
            self._flush_part()
        return len(data)

    def _flush_part(self) -> None:
        number = len(self._parts) + 1
        reply = self._call("upload_part", Bucket=settings.S3_BUCKET, Key=self.key, UploadId=self._upload_id,
                           PartNumber=number, Body=bytes(self._buffer))  # fmt: skip
        self._parts.append({"ETag": reply["ETag"], "PartNumber": number})
        self._buffer.clear()

    def commit(self) -> None:
        if self._file is not None:
            self._file.close()
            self._tmp.replace(self._path)
            return
        if self._buffer or not self._parts:
            self._flush_part()
        self._call("complete_multipart_upload", Bucket=settings.S3_BUCKET, Key=self.key, UploadId=self._upload_id,
                   MultipartUpload={"Parts": self._parts})  # fmt: skip

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._tmp.unlink(missing_ok=True)
            return
        # best effort: if the abort itself fails, the bucket's lifecycle rule cleans up the orphan parts
        with contextlib.suppress(Exception):
            self._client.abort_multipart_upload(Bucket=settings.S3_BUCKET, Key=self.key, UploadId=self._upload_id)

    def __enter__(self) -> "BlobWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def save_bytes(key: str, data: bytes) -> None:
    with BlobWriter(key) as writer:
        writer.write(data)


def exists(key: str) -> bool:
    if settings.S3_BUCKET:
        from botocore.exceptions import ClientError

        try:
            s3_client().head_object(Bucket=settings.S3_BUCKET, Key=key)
            return True
        except ClientError:
            return False
    return _local_path(key).exists()


def presigned_url(key: str, seconds: int) -> str | None:
    """A time-limited GET URL on S3; None for the local directory (the API streams those files itself)."""
    if not settings.S3_BUCKET:
        return None
    return s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": settings.S3_BUCKET, "Key": key}, ExpiresIn=seconds
    )
