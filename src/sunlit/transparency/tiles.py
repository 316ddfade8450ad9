"""C2SP tlog-tiles paths and bundle encoding. Pure Python, no Django.

A tile ``(L, N)`` of width ``W`` holds the hashes of the complete subtrees at tree level
``8 * L`` with indices ``N * 256 .. N * 256 + W - 1``; entry bundles hold the entries of the
level-0 tile with the same ``N`` and ``W``, each prefixed with its big-endian uint16 length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEIGHT = 8
WIDTH = 1 << HEIGHT  # 256 hashes in a full tile
MAX_LEVEL = 63

_INDEX_RE = re.compile(r"^(?:x\d{3}/)*\d{3}$")


class TilePathError(ValueError):
    """A path that is not a canonical tlog-tiles path."""


@dataclass(frozen=True)
class Tile:
    """A hash tile (``level`` 0..63) or, with ``entries``, an entry bundle."""

    level: int
    index: int
    width: int = WIDTH
    entries: bool = False

    @property
    def partial(self) -> bool:
        return self.width < WIDTH

    @property
    def tree_level(self) -> int:
        return HEIGHT * self.level

    @property
    def first(self) -> int:
        """Index of the first hash (at ``tree_level``) in the tile."""
        return self.index * WIDTH

    def leaves_needed(self) -> int:
        """The smallest tree size in which this tile, at this width, is complete."""
        return (self.first + self.width) << self.tree_level

    @property
    def path(self) -> str:
        head = "entries" if self.entries else str(self.level)
        tail = f".p/{self.width}" if self.partial else ""
        return f"tile/{head}/{encode_index(self.index)}{tail}"


def encode_index(n: int) -> str:
    """1234067 → ``x001/x234/067`` (three-digit elements, all but the last prefixed with x)."""
    if n < 0:
        raise ValueError("a tile index cannot be negative")
    text = f"{n % 1000:03d}"
    while n >= 1000:
        n //= 1000
        text = f"x{n % 1000:03d}/{text}"
    return text


def parse(path: str) -> Tile:
    """Parses ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` (``tile/`` optional)."""
    rest = path.removeprefix("tile/")
    head, _, rest = rest.partition("/")
    width = WIDTH
    if ".p/" in rest:
        rest, _, w = rest.partition(".p/")
        if not re.fullmatch(r"[1-9][0-9]{0,2}", w) or int(w) >= WIDTH:
            raise TilePathError("a partial tile width is 1 to 255 without leading zeroes")
        width = int(w)
    if not _INDEX_RE.match(rest):
        raise TilePathError("a tile index is three-digit path elements like x001/x234/067")
    index = int(rest.replace("x", "").replace("/", ""))
    if encode_index(index) != rest:
        raise TilePathError("the tile index is not in canonical form")
    if head == "entries":
        return Tile(0, index, width, entries=True)
    if not re.fullmatch(r"0|[1-9][0-9]?", head) or int(head) > MAX_LEVEL:
        raise TilePathError("a tile level is 0 to 63 without leading zeroes")
    return Tile(int(head), index, width)


def encode_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for item in entries:
        if len(item) > 0xFFFF:
            raise ValueError("an entry in a bundle is at most 65535 bytes")
        out += len(item).to_bytes(2, "big") + item
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("truncated entry bundle")
        n = int.from_bytes(data[pos:pos + 2], "big")
        if pos + 2 + n > len(data):
            raise ValueError("truncated entry bundle")
        entries.append(bytes(data[pos + 2:pos + 2 + n]))
        pos += 2 + n
    return entries
