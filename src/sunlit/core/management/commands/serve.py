"""sunlit serve — serve Sunlit with waitress (static files through WhiteNoise)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web application and API (waitress)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from sunlit.wsgi import application

        self.stdout.write(self.style.SUCCESS(f"阳光物业 serving on http://{host}:{port}/"))
        serve(application, host=host, port=port, threads=threads, ident="sunlit",
              clear_untrusted_proxy_headers=True)
