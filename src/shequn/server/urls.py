from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from shequn.apps.api.api import api

admin.site.site_header = "社群 shequn"
admin.site.site_title = "社群 shequn"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("", include("shequn.apps.web.urls")),
]
