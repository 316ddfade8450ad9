"""The log over HTTP as C2SP tlog-tiles, checked by a small independent tile client."""

from __future__ import annotations

import base64
import hashlib

import pytest

from sunlit.core.choices import Role
from sunlit.core.services import create_api_token
from sunlit.transparency import merkle, note, services, tiles
from sunlit.transparency.models import Log, LogLeaf
from tests.transparency.test_notes import independent_open

SIZE = 517  # two full level-0 tiles, a partial one of width 5, a level-1 partial of width 2


@pytest.fixture
def grown_log(community, record_units):
    record_units(community, SIZE)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    return log


def _sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


class TileClient:
    """Computes a tree's root from tiles only, as a tlog-tiles client would (independent code)."""

    def __init__(self, client, base: str, size: int):
        self.client, self.base, self.size, self.cache = client, base, size, {}

    def tile(self, level: int, n: int) -> list[bytes]:
        full = (self.size >> (8 * level)) >> 8 > n
        width = 256 if full else (self.size >> (8 * level)) % 256
        name = f"{n:03d}" if n < 1000 else tiles.encode_index(n)
        path = f"{self.base}tile/{level}/{name}" + ("" if full else f".p/{width}")
        if path not in self.cache:
            response = self.client.get(path)
            assert response.status_code == 200, (path, response.content)
            assert response["Content-Type"] == "application/octet-stream"
            data = response.content
            assert len(data) == 32 * width
            self.cache[path] = [data[i:i + 32] for i in range(0, len(data), 32)]
        return self.cache[path]

    def node(self, level: int, index: int) -> bytes:
        if level % 8 == 0:
            return self.tile(level // 8, index >> 8)[index & 255]
        left, right = self.node(level - 1, 2 * index), self.node(level - 1, 2 * index + 1)
        return _sha(b"\x01" + left + right)

    def root(self) -> bytes:
        hashes, start = [], 0
        for level in reversed(range(self.size.bit_length())):
            if self.size >> level & 1:
                hashes.append(self.node(level, start >> level))
                start += 1 << level
        acc = hashes[-1]
        for h in reversed(hashes[:-1]):
            acc = _sha(b"\x01" + h + acc)
        return acc


def test_a_tile_client_recomputes_the_signed_root(client, grown_log):
    response = client.get("/log/mingqiang/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=5" in response["Cache-Control"]
    vkey = client.get("/log/").json()["logs"][0]["verifier_key"]
    text = independent_open(response.content.decode(), vkey)
    origin, size, root = text.splitlines()
    assert (origin, int(size)) == ("localhost/log/mingqiang", SIZE)
    tile_client = TileClient(client, "/log/mingqiang/", SIZE)
    assert base64.b64encode(tile_client.root()).decode() == root
    assert "/log/mingqiang/tile/1/000.p/2" in tile_client.cache


def test_full_tiles_are_immutable_and_partial_ones_exist_only_when_complete(client, grown_log):
    response = client.get("/log/mingqiang/tile/0/001")
    assert response.status_code == 200 and len(response.content) == 8192
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    hashes = LogLeaf.objects.filter(log=grown_log, index__gte=256, index__lt=512).order_by("index")
    assert response.content == b"".join(bytes(h) for h in hashes.values_list("leaf_hash", flat=True))
    assert client.get("/log/mingqiang/tile/0/002.p/5").status_code == 200
    assert client.get("/log/mingqiang/tile/0/002.p/6").status_code == 404    # not yet
    assert client.get("/log/mingqiang/tile/0/002").status_code == 404        # not full yet
    assert client.get("/log/mingqiang/tile/1/000").status_code == 404
    assert client.get("/log/mingqiang/tile/0/000.p/3").status_code == 200    # a prefix of a full one


@pytest.mark.parametrize("path", [
    "tile/0/1", "tile/0/0001", "tile/00/000", "tile/64/000", "tile/0/x000/001",
    "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/05", "tile/entries/1", "tile/x/000",
])
def test_non_canonical_tile_paths_are_refused(client, grown_log, path):
    assert client.get(f"/log/mingqiang/{path}").status_code == 400


def test_tile_index_encoding():
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(5) == "005" and tiles.encode_index(1000) == "x001/000"
    assert tiles.parse("tile/entries/x001/x234/067.p/7") == tiles.Tile(0, 1234067, 7, entries=True)
    assert tiles.parse("tile/3/000").tree_level == 24
    bundle = tiles.encode_bundle([b"", b"a" * 300])
    assert bundle[:2] == b"\x00\x00" and bundle[2:4] == (300).to_bytes(2, "big")
    assert tiles.decode_bundle(bundle) == [b"", b"a" * 300]
    with pytest.raises(ValueError):
        tiles.decode_bundle(bundle[:-1])


def test_entry_bundles_are_for_members_only(client, grown_log, owner, owner_other_community):
    path = "/log/mingqiang/tile/entries/001"
    assert client.get(path).status_code == 404                 # anonymous
    client.force_login(owner_other_community)
    assert client.get(path).status_code == 404                 # another community's owner
    client.force_login(owner)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    entries = tiles.decode_bundle(response.content)
    assert len(entries) == 256
    level0 = client.get("/log/mingqiang/tile/0/001").content
    assert [merkle.leaf_hash(e) for e in entries] == [level0[i:i + 32] for i in range(0, 8192, 32)]
    assert client.get("/log/mingqiang/tile/entries/002.p/5").status_code == 200


def test_entry_bundles_accept_api_tokens(client, grown_log, make_member):
    auditor = make_member(Role.AUDITOR)
    secret = create_api_token(auditor, name="monitor")
    path = "/log/mingqiang/tile/entries/000"
    assert client.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get(path, headers={"Authorization": "Bearer sl_bad_token"}).status_code == 404


def test_the_public_directory_lists_every_log(client, grown_log, other_community, record_units):
    record_units(other_community, 1)
    body = client.get("/log/").json()
    assert [log["origin"] for log in body["logs"]] == ["localhost/log/mingqiang",
                                                        "localhost/log/yuanjing"]
    first = body["logs"][0]
    assert first["url"] == "http://testserver/log/mingqiang/"
    assert first["community"] == "明强小区" and first["size"] == SIZE
    assert note.Verifier.parse(first["verifier_key"]).name == first["origin"]


def test_the_log_page_shows_the_verifier_key(client, grown_log):
    response = client.get("/log/mingqiang/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "验证公钥" in page and "localhost/log/mingqiang+" in page
    assert "sunlit verify checkpoint" in page
    assert client.get("/log/nosuchlog/").status_code == 404


def test_a_log_without_checkpoint_says_so(client, community):
    services.get_or_create_log(community)
    response = client.get("/log/mingqiang/checkpoint")
    assert response.status_code == 404 and "尚未签发" in response.content.decode()
