from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "sunlit.governance"
    label = "governance"
    verbose_name = "业主共治"

    def ready(self) -> None:
        # the app's event types on the log
        from sunlit.governance import events  # noqa: F401
