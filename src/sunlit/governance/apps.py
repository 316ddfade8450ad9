from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "sunlit.governance"
    label = "governance"
    verbose_name = "业主共治"
