"""The storage backends: round trips, atomic writes, refusal of keys that leave the root."""

from __future__ import annotations

import importlib.util

import pytest
from django.core.exceptions import ImproperlyConfigured

from sunlit.core.storage import (
    InvalidKey,
    LocalStorage,
    S3Storage,
    get_storage,
    storage_from_url,
    validate_key,
)

BAD_KEYS = ["", "/etc/passwd", "../secret", "a/../../b", "a/./b", "a//b", "a/", "a\\b", "a\x00b",
            "..", ".", "a b", "中文.jpg", "x" * 201, None, 12]


@pytest.fixture
def local(tmp_path):
    return LocalStorage(tmp_path / "uploads")


def test_local_round_trip(local):
    local.save("7/2026/11/ab/one.jpg", b"\xff\xd8bytes")
    assert local.exists("7/2026/11/ab/one.jpg")
    assert local.read("7/2026/11/ab/one.jpg") == b"\xff\xd8bytes"
    with local.open("7/2026/11/ab/one.jpg") as handle:
        assert handle.read(2) == b"\xff\xd8"
    assert list(local.keys("7/")) == ["7/2026/11/ab/one.jpg"]
    local.delete("7/2026/11/ab/one.jpg")
    assert not local.exists("7/2026/11/ab/one.jpg")
    local.delete("7/2026/11/ab/one.jpg")  # deleting twice is fine


def test_local_write_replaces_atomically_and_leaves_no_temp_file(local):
    local.save("a/b.jpg", b"first")
    local.save("a/b.jpg", b"second")
    assert local.read("a/b.jpg") == b"second"
    assert sorted(p.name for p in (local.root / "a").iterdir()) == ["b.jpg"]


def test_local_missing_key_raises_file_not_found(local):
    with pytest.raises(FileNotFoundError):
        local.open("nope.jpg")


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_that_could_leave_the_root_are_refused(local, key):
    with pytest.raises(InvalidKey):
        validate_key(key)
    with pytest.raises(InvalidKey):
        local.save(key, b"x")
    with pytest.raises(InvalidKey):
        local.open(key)
    assert not (local.root.parent / "secret").exists()


def test_a_symlink_out_of_the_root_is_refused(local, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    local.root.mkdir(parents=True)
    (local.root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        local.open("link/secret.txt")


def test_storage_url_picks_the_backend(tmp_path, settings):
    assert isinstance(storage_from_url(str(tmp_path)), LocalStorage)
    assert storage_from_url(f"file://{tmp_path}").root == tmp_path.resolve()
    s3 = storage_from_url("s3://photos/sunlit/prod?endpoint_url=http://127.0.0.1:9000&region=cn-north-1")
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.endpoint_url, s3.region) == (
        "photos", "sunlit/prod/", "http://127.0.0.1:9000", "cn-north-1")
    with pytest.raises(ImproperlyConfigured):
        storage_from_url("ftp://example/x")
    with pytest.raises(ImproperlyConfigured):
        storage_from_url("s3://bucket?acl=public")
    with pytest.raises(ImproperlyConfigured):
        storage_from_url("s3:///prefix-without-bucket")
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "configured")
    assert get_storage().root == (tmp_path / "configured").resolve()


@pytest.mark.skipif(importlib.util.find_spec("moto") is None,
                    reason="moto is not installed (pip install -e '.[dev]'): S3 backend untested")
def test_s3_round_trip_with_moto(monkeypatch):
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="sunlit-test")
        storage = storage_from_url("s3://sunlit-test/uploads?region=us-east-1")
        storage.save("7/2026/11/ab/one.jpg", b"\xff\xd8bytes", content_type="image/jpeg")
        assert storage.exists("7/2026/11/ab/one.jpg")
        assert not storage.exists("7/2026/11/ab/two.jpg")
        assert storage.read("7/2026/11/ab/one.jpg") == b"\xff\xd8bytes"
        assert list(storage.keys("7/")) == ["7/2026/11/ab/one.jpg"]
        head = storage.client.head_object(Bucket="sunlit-test", Key="uploads/7/2026/11/ab/one.jpg")
        assert head["ContentType"] == "image/jpeg"
        with pytest.raises(FileNotFoundError):
            storage.open("7/2026/11/ab/two.jpg")
        with pytest.raises(InvalidKey):
            storage.save("../escape.jpg", b"x")
        storage.delete("7/2026/11/ab/one.jpg")
        assert not storage.exists("7/2026/11/ab/one.jpg")
