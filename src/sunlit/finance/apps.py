from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "sunlit.finance"
    label = "finance"
    verbose_name = "收费与账务"

    def ready(self) -> None:
        # object-level grants (households, online orders) and the entry-document resolvers
        # (e-receipts of payments; receipts of public income, expenses and fund uses; billing runs
        # and refunds for the 阳光账本); the app's event types on the log
        from sunlit.finance import events  # noqa: F401
        from sunlit.finance.billing import access  # noqa: F401
        from sunlit.finance.expenses import access as expenses_access  # noqa: F401
        from sunlit.finance.online import services as online  # noqa: F401
        from sunlit.finance.payments import receipts  # noqa: F401
        from sunlit.finance.report import documents  # noqa: F401
