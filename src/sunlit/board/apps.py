from django.apps import AppConfig


class BoardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sunlit.board"
    verbose_name = "每周曝光台"
