#!/usr/bin/env python3
"""Fetch the pinned front-end files from the npm registry into web/static/vendor/.

Run it after changing a version below; the results are committed so that no CDN and no
npm is needed at run time.  Usage: python scripts/vendor_static.py
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGES = {
    # package@version: {file inside the package: destination under vendor/}
    "@tabler/core@1.6.1": {
        "dist/css/tabler.min.css": "tabler/tabler.min.css",
        "dist/js/tabler.min.js": "tabler/tabler.min.js",
    },
    "htmx.org@2.0.11": {"dist/htmx.min.js": "htmx/htmx.min.js"},
    "echarts@5.6.0": {"dist/echarts.min.js": "echarts/echarts.min.js"},
}
DEST = Path(__file__).resolve().parent.parent / "src/sunlit/web/static/vendor"
# The source maps are not shipped, so their references go: the hashed-name static storage
# (collectstatic) would otherwise refuse a reference to a file that is not there.
SOURCE_MAP = re.compile(rb"\n?(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in PACKAGES.items():
            out = subprocess.run(
                ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
            with tarfile.open(Path(tmp) / out) as tar:
                for inner, target in files.items():
                    member = tar.extractfile(f"package/{inner}")
                    if member is None:
                        raise SystemExit(f"{spec}: {inner} missing")
                    path = DEST / target
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(SOURCE_MAP.sub(b"\n", member.read()))
                    print(f"{spec:24} {inner} -> vendor/{target}")
        (DEST / "VERSIONS.txt").write_text("\n".join(PACKAGES) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
