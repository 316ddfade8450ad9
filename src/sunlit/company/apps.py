from django.apps import AppConfig


class CompanyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sunlit.company"
    verbose_name = "物业公司"

    def ready(self) -> None:
        from sunlit.company import events  # noqa: F401  (the app's event types on the log)
