from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sunlit.registry"
    label = "registry"
    verbose_name = "房屋档案"

    def ready(self) -> None:
        # object-level grants; the app's event types on the log
        from sunlit.registry import access, events  # noqa: F401
