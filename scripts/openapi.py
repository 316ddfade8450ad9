#!/usr/bin/env python3
"""Write (or --check) the committed OpenAPI schema docs/openapi.json.

The committed schema is what the API serves at ``/api/openapi.json`` (fetched through Django's
test client, not rebuilt beside it), so the published contract cannot drift from the served one.
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
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed
    response = Client().get("/api/openapi.json")
    if response.status_code != 200:
        print(f"/api/openapi.json answered {response.status_code}", file=sys.stderr)
        return 1
    schema = json.dumps(response.json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != schema:
            print("docs/openapi.json is not what /api/openapi.json serves: run "
                  "python scripts/openapi.py and review the diff", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(schema, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
