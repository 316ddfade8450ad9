from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sunlit.tickets"
    label = "tickets"
    verbose_name = "报修与投诉"

    def ready(self) -> None:
        # object-level grants; the app's event types on the log
        from sunlit.tickets import access, events  # noqa: F401
