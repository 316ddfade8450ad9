from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "sunlit.notices"
    label = "notices"
    verbose_name = "通知与公告"
