from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "shequn.apps.chat"
    verbose_name = _("聊天记录")
