from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequn.apps.tenancy.models import Role


class UploadForm(forms.Form):
    export = forms.FileField(
        label=_("导出文件"),
        help_text=_("Telegram、WhatsApp、Discord、Slack、QQ、微信、企业微信的导出（文件或 zip）"),
    )
    tz = forms.ChoiceField(
        label=_("时区（导出文件不带时区时使用）"),
        required=False,
        choices=[
            ("", _("默认 Asia/Shanghai")),
            ("Asia/Shanghai", "Asia/Shanghai"),
            ("Asia/Hong_Kong", "Asia/Hong_Kong"),
            ("Asia/Taipei", "Asia/Taipei"),
            ("Asia/Singapore", "Asia/Singapore"),
            ("Asia/Tokyo", "Asia/Tokyo"),
            ("Europe/London", "Europe/London"),
            ("America/New_York", "America/New_York"),
            ("UTC", "UTC"),
        ],
    )


class MergeForm(forms.Form):
    other = forms.IntegerField(widget=forms.HiddenInput)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("合并")), ("reject", _("不是同一人"))])


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    role = forms.ChoiceField(label=_("权限"), choices=Role.choices, initial=Role.VIEWER)
