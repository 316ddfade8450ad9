"""What a phone downloads on first load of each owner page — the budget is 300 KB (issue 14).

    .venv/bin/python bench/page_weight.py            # loads the demo in a fresh data directory

In a fresh data directory: loads the demo, collects the static files (timed: hashed names,
Brotli and gzip), then, logged in as demo-owner and as demo-technician through Django's test
client, fetches each page and adds up its HTML and every stylesheet, script and icon it names,
each as served (the Brotli file when there is one). Prints a table; exits 1 over the budget.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 300 * 1024
PAGES = {
    "demo-owner": ["web:owner_home", "finance:my_bills", "tickets:ticket_list", "tickets:submit",
                   "notices:inbox", "governance:vote_list", "board:board_list",
                   "finance:ledger_home"],
    "demo-technician": ["tickets:my_tasks"],
}
ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')


def main() -> int:
    os.environ["SUNLIT_DATA_DIR"] = tempfile.mkdtemp(prefix="sunlit-weight-")
    os.environ.setdefault("SUNLIT_PAYMENTS_SANDBOX", "local")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sunlit.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from sunlit.core.models import User
    from sunlit.demo import load_demo
    from sunlit.web.storage import collect_if_changed

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    load_demo()
    started = time.perf_counter()
    collect_if_changed()
    collect_seconds = time.perf_counter() - started
    root = Path(settings.STATIC_ROOT)
    rows, worst = [], 0
    for username, names in PAGES.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name in names:
            page = client.get(reverse(name))
            assets = sorted(set(ASSET.findall(page.content.decode())))
            sizes = []
            for url in assets:
                path = root / url.removeprefix("/static/")
                compressed = path.with_name(path.name + ".br")
                sizes.append((compressed if compressed.exists() else path).stat().st_size)
            total = len(page.content) + sum(sizes)
            worst = max(worst, total)
            rows.append((username, name, page.status_code, len(page.content), len(assets), sum(sizes),
                         total))
    print(f"collectstatic (hashed names, Brotli q6 + gzip): {collect_seconds:.2f} s\n")
    print(f"{'account':<16}{'page':<24}{'status':>7}{'HTML KB':>9}{'files':>7}{'static KB':>11}"
          f"{'total KB':>10}")
    for username, name, status, html, count, static, total in rows:
        print(f"{username:<16}{name:<24}{status:>7}{html / 1024:>9.1f}{count:>7}{static / 1024:>11.1f}"
              f"{total / 1024:>10.1f}")
    print(f"\nbudget {BUDGET / 1024:.0f} KB; heaviest page {worst / 1024:.1f} KB")
    return 0 if worst <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
