"""Idempotency keys for creating API requests (DESIGN.md rule 5).

A client that may retry (a flaky mobile network, a gate controller, a payment callback) sends
``Idempotency-Key: <a unique string>`` with its POST. The first request runs and its answer is
stored together with the objects it created, in the same transaction; a retry with the same
key and the same body gets that answer again (same status, same body, header
``Idempotent-Replayed: true``) without running a second time. The same key with a different
body is refused with 422. Keys belong to one user and expire after 24 hours.

Two identical requests racing each other: both try to insert the key row; the unique
constraint on (user, key) makes the second wait for the first transaction (PostgreSQL blocks
on the index entry; SQLite serialises writers) and then fail with IntegrityError, after which
it reads the committed row and replays it. If the first request failed, its key row rolled back
with everything else and the second simply runs.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBase
from django.http.request import RawPostDataException
from django.utils import timezone
from ninja import Header
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder, Status
from pydantic import BaseModel

from sunlit.core.idempotency import KEY_TTL
from sunlit.core.models import IdempotencyKey

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# Declared by every idempotent endpoint so that the header appears in the OpenAPI schema.
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=KEY_HEADER, max_length=MAX_KEY_LENGTH,
        description="幂等键：重试同一请求时携带相同的值，不会重复创建（24 小时内有效）",
    ),
]


def _multipart_content(request) -> bytes:
    """A parsed multipart body: its fields, and each file by name, size and SHA-256."""
    parts = [json.dumps(sorted(request.POST.lists()), ensure_ascii=False).encode("utf-8")]
    for field, files in sorted(request.FILES.lists()):
        for upload in files:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            parts.append(json.dumps([field, upload.name, upload.size, digest.hexdigest()],
                                    ensure_ascii=False).encode("utf-8"))
    return b"\n".join(parts)


def request_fingerprint(request) -> str:
    """SHA-256 of method, path with query and body; JSON bodies are compared by content,
    multipart bodies (read from the stream by Ninja before the view runs) by fields and files."""
    try:
        body = request.body
    except RawPostDataException:
        body = _multipart_content(request)
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode("utf-8"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _claim(user, key: str, request, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """The key row for this request: (row, True) if we hold it now, (row, False) if it was taken."""
    now = timezone.now()
    # An expired key is free again: the stored answer is no longer promised.
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lte=now - KEY_TTL).delete()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, method=request.method,
                    path=request.get_full_path()[:500], request_hash=fingerprint, created_at=now,
                )
            return record, True
        except IntegrityError:
            pass
        record = IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
        if record is not None:
            return record, False
        # The holder rolled back between our insert and our read: try to take the key again.
    raise HttpError(409, "请求冲突，请稍后重试")


def _body_of(result: Any) -> tuple[int, Any]:
    status, value = 200, result
    if isinstance(result, Status):
        status, value = result.status_code, result.value
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True)
    # Through the API's JSON encoder and back: exactly what the client receives, storable.
    return status, json.loads(json.dumps(value, cls=NinjaJSONEncoder))


def _respond(request, status: int, body: Any, *, replayed: bool) -> HttpResponse:
    from sunlit.api.site import api

    response = api.create_response(request, body, status=status)
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def _mismatch(request) -> HttpResponse:
    from sunlit.api.site import api

    return api.create_response(request, {
        "detail": "幂等键冲突",
        "errors": [{"field": KEY_HEADER,
                    "message": "此幂等键已用于另一个内容不同的请求。重试时请求必须完全相同；"
                               "新的请求请使用新的幂等键。"}],
    }, status=422)


def idempotent(view: Callable) -> Callable:
    """Makes a creating Ninja endpoint honour ``Idempotency-Key`` (see the module docstring).

    The endpoint returns ``Status(code, SchemaInstance)``. Only successful (2xx) answers are
    stored: a refused or invalid request leaves no key behind and may be retried once fixed.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = (request.headers.get(KEY_HEADER) or "").strip()
        user = getattr(request, "auth", None)
        if not key or not getattr(user, "is_authenticated", False):
            return view(request, *args, **kwargs)
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            record, mine = _claim(user, key, request, fingerprint)
            if not mine:
                if record.request_hash != fingerprint:
                    return _mismatch(request)
                if record.status_code is None:  # not reachable with one transaction; be safe
                    raise HttpError(409, "相同幂等键的请求正在处理中，请稍后重试")
                return _respond(request, record.status_code, record.response_body, replayed=True)
            result = view(request, *args, **kwargs)
            if isinstance(result, HttpResponseBase):
                raise TypeError("idempotent endpoints return Status(code, schema), not a response")
            status, body = _body_of(result)
            if not 200 <= status < 300:
                transaction.set_rollback(True)
                return _respond(request, status, body, replayed=False)
            IdempotencyKey.objects.filter(pk=record.pk).update(status_code=status,
                                                               response_body=body)
        return _respond(request, status, body, replayed=False)

    # Ninja reads the parameters from the signature; resolve the annotations against the
    # view's own module (the wrapper's globals are this module's).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)
    return wrapper


# --- idempotency keys of services -----------------------------------------------------------
