from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sunlit.core"
    label = "core"
    verbose_name = "核心"
