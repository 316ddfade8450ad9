from django.apps import AppConfig


class BoardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sunlit.board"
    verbose_name = "每周曝光台"

    def ready(self) -> None:
        from sunlit.board import events  # noqa: F401  (the app's event types on the log)
