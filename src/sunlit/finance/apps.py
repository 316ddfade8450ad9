from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "sunlit.finance"
    label = "finance"
    verbose_name = "收费与账务"

    def ready(self) -> None:
        from sunlit.finance import (
            access,  # noqa: F401  (registers object-level grants)
            report_documents,  # noqa: F401  (entry documents of the 阳光账本)
        )
