"""Where uploaded files live: one small interface, a local directory or an S3-compatible bucket.

Files are never served straight from the storage: a view checks access first and then streams
the bytes through ``core.uploads.upload_response``, so a backend needs no URLs. A key is a
relative path such as ``12/2026/11/ab/3f2c….jpg``; keys that could leave the storage root
(``..``, absolute paths, back-slashes, control characters) are refused by every backend.

``get_storage()`` picks the backend from ``settings.SUNLIT_STORAGE_URL``:

- a directory path or ``file:///srv/sunlit/uploads`` — the local file system (default
  ``DATA_DIR/uploads``);
- ``s3://bucket/prefix?endpoint_url=https://oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou`` —
  any S3-compatible object store (AWS S3, Aliyun OSS, Tencent COS, MinIO). Credentials come from
  ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (``*_FILE`` accepted). Needs the optional
  ``s3`` extra (``pip install 'sunlit[s3]'``).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAX_KEY_LENGTH = 200
_KEY_CHARS = re.compile(r"^[A-Za-z0-9._\-/]+$")


class InvalidKey(ValueError):
    """A storage key that is not a plain relative path inside the storage."""


def validate_key(key: str) -> str:
    """Returns ``key`` if it is a safe relative path, else raises ``InvalidKey``."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key {key!r}")
    if not _KEY_CHARS.match(key) or key.startswith("/") or key.endswith("/"):
        raise InvalidKey(f"invalid storage key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


class Storage:
    """The interface every backend offers. Missing keys raise ``FileNotFoundError``."""

    def save(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Removes ``key``; deleting a missing key is not an error."""
        raise NotImplementedError

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key that starts with ``prefix`` (for maintenance commands)."""
        raise NotImplementedError


class LocalStorage(Storage):
    """Files under one directory. Writes are atomic: a temporary file renamed into place."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):  # a symlink pointing out of the root
            raise InvalidKey(f"invalid storage key {key!r}")
        return path

    def save(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o640)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key


class S3Storage(Storage):
    """Objects in an S3-compatible bucket, under an optional key prefix."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, client=None) -> None:
        if not bucket:
            raise ImproperlyConfigured("SUNLIT_STORAGE_URL: s3:// needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    @property
    def client(self):
        if self._client is None:
            try:
                import boto3
            except ImportError as exc:
                raise ImproperlyConfigured(
                    "SUNLIT_STORAGE_URL is s3://… but boto3 is not installed: "
                    "pip install 'sunlit[s3]'") from exc
            from sunlit.settings import env_secret

            self._client = boto3.client(
                "s3", endpoint_url=self.endpoint_url or None, region_name=self.region or None,
                aws_access_key_id=env_secret("AWS_ACCESS_KEY_ID") or None,
                aws_secret_access_key=env_secret("AWS_SECRET_ACCESS_KEY") or None)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    @staticmethod
    def _missing(exc) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def save(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                               ContentType=content_type)

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from exc
            raise
        # Images are at most a few MB: reading them whole gives FileResponse a length.
        return io.BytesIO(response["Body"].read())

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix):]


def storage_from_url(url: str) -> Storage:
    """The backend a ``SUNLIT_STORAGE_URL`` names (see the module docstring)."""
    if not url:
        raise ImproperlyConfigured("SUNLIT_STORAGE_URL is empty")
    parts = urlsplit(url)
    if parts.scheme == "s3":
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint_url", "region"}
        if unknown:
            raise ImproperlyConfigured(f"SUNLIT_STORAGE_URL: unknown option(s) {sorted(unknown)}")
        return S3Storage(parts.netloc, unquote(parts.path), endpoint_url=query.get("endpoint_url"),
                         region=query.get("region"))
    if parts.scheme == "file":
        return LocalStorage(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # "C:\..." has a one-letter "scheme"
        raise ImproperlyConfigured(f"SUNLIT_STORAGE_URL: unsupported scheme {parts.scheme!r}")
    return LocalStorage(url)


_cache: dict[str, Storage] = {}


def get_storage() -> Storage:
    """The configured backend (one instance per URL, so a boto3 client is reused)."""
    url = str(settings.SUNLIT_STORAGE_URL)
    if url not in _cache:
        _cache[url] = storage_from_url(url)
    return _cache[url]
