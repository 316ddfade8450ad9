from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "sunlit.notices"
    label = "notices"
    verbose_name = "通知与公告"

    def ready(self) -> None:
        from sunlit.notices import events  # noqa: F401  (the app's event types on the log)
