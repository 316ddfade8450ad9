#!/usr/bin/env python3
"""Write (or --check) the committed OpenAPI schema docs/openapi.json.

CI runs it with --check so that an API change is always a visible change in review.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    import django

    django.setup()
    from sunlit.api import api

    schema = json.dumps(api.get_openapi_schema(path_prefix="/api"), ensure_ascii=False,
                        indent=2, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != schema:
            print("docs/openapi.json is out of date: run python scripts/openapi.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(schema, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
