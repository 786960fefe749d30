from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "shequn.apps.tenancy"
    verbose_name = _("工作区与权限")
