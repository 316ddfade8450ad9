from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sunlit.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from sunlit.core import events  # noqa: F401  (the app's event types on the log)
