from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sunlit.tickets"
    label = "tickets"
    verbose_name = "报修与投诉"

    def ready(self) -> None:
        from sunlit.tickets import access  # noqa: F401  (registers object-level grants)
