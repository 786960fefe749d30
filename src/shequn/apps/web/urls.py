"""Back-office URLs. Every tenant page lives under /w/<workspace slug>/ (docs/web.md)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html",
            success_url="/account/password/done/",
        ),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("w/<slug:ws>/", views.overview, name="overview"),
    path("w/<slug:ws>/groups/<int:group_id>/", views.group_detail, name="group"),
    path("w/<slug:ws>/people/", views.people_list, name="people"),
    path("w/<slug:ws>/people/<int:person_id>/", views.person_detail, name="person"),
    path(
        "w/<slug:ws>/people/<int:person_id>/merge-search/",
        views.person_merge_search,
        name="person_merge_search",
    ),
    path("w/<slug:ws>/people/<int:person_id>/merge/", views.person_merge, name="person_merge"),
    path("w/<slug:ws>/merges/", views.merge_suggestions, name="merges"),
    path("w/<slug:ws>/merges/<int:suggestion_id>/decide/", views.merge_decide, name="merge_decide"),
    path("w/<slug:ws>/merges/audit/<int:audit_id>/undo/", views.merge_undo, name="merge_undo"),
    path("w/<slug:ws>/imports/", views.imports, name="imports"),
    path("w/<slug:ws>/imports/upload/", views.import_upload, name="import_upload"),
    path("w/<slug:ws>/imports/<int:run_id>/", views.import_status, name="import_status"),
    path("w/<slug:ws>/settings/", views.workspace_settings, name="settings"),
    path("w/<slug:ws>/settings/tokens/", views.token_create, name="token_create"),
    path(
        "w/<slug:ws>/settings/tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="token_revoke",
    ),
]
