from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "shequn.apps.insights"
    verbose_name = _("洞察与提醒")
