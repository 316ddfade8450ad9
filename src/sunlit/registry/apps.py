from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sunlit.registry"
    label = "registry"
    verbose_name = "房屋档案"

    def ready(self) -> None:
        from sunlit.registry import access  # noqa: F401  (registers object-level grants)
