from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "sunlit.transparency"
    label = "transparency"
    verbose_name = "透明日志"

    def ready(self) -> None:
        from sunlit.transparency import access, events  # noqa: F401  (event types, grants)
