from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sunlit.web"
    label = "web"
    verbose_name = "页面"
