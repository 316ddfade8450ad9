"""sunlit serve — serve Sunlit with waitress (static files through WhiteNoise).

Before serving, the static files are collected (hashed names, Brotli and gzip) when their
sources changed since the last collect (``sunlit.web.storage.collect_if_changed``; about 2 s,
then nothing); ``--no-collect`` skips it (a deployment that runs ``collectstatic`` itself)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web application and API (waitress)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-collect", action="store_true",
                            help="do not collect the static files first")

    def handle(self, *args, host, port, threads, no_collect=False, **options):
        from waitress import serve

        from sunlit.web.storage import collect_if_changed

        if not no_collect and collect_if_changed():
            self.stdout.write("静态文件已收集（带哈希的文件名，Brotli/gzip 压缩）")
        from sunlit.wsgi import application

        self.stdout.write(self.style.SUCCESS(f"阳光物业 serving on http://{host}:{port}/"))
        serve(application, host=host, port=port, threads=threads, ident="sunlit",
              clear_untrusted_proxy_headers=True)
