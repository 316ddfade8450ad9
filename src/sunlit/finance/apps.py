from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "sunlit.finance"
    label = "finance"
    verbose_name = "收费与账务"

    def ready(self) -> None:
        # online payments: the households' object rule; receipts: the entry-document resolver
        from sunlit.finance import (  # noqa: F401
            access,
            online,
            receipts,
        )
