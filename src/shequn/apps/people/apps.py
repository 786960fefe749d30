from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "shequn.apps.people"
    verbose_name = _("成员与身份")
