from django.contrib import admin
from django.urls import include, path

from portal import import_views, views

portal_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("files/", views.file_list, name="file_list"),
    path("files/<uuid:public_id>/", views.file_detail, name="file_detail"),
    path("files/<uuid:public_id>/download/", views.file_download, name="file_download"),
    path("files/<uuid:public_id>/retry/", views.file_retry, name="file_retry"),
    path("audit/", views.audit_list, name="audit_list"),
    path("organisations/search/", views.organisation_search, name="organisation_search"),
    path("roster/", include("portal.roster_urls")),
    path("imports/<uuid:public_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<uuid:public_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<uuid:public_id>/retry/", import_views.import_retry, name="import_retry"),
    path("imports/<uuid:public_id>/discard/", import_views.import_discard, name="import_discard"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("disclosures/", include("disclosures.urls")),
    path("risk/due-diligence/", include("riskmgmt.duediligence.urls")),
    path("risk/", include("riskmgmt.urls")),
    path("followup/", include("followup.urls")),
    path("awareness/", include("followup.awareness.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "portal.errorviews.bad_request"
handler403 = "portal.errorviews.permission_denied"
handler404 = "portal.errorviews.page_not_found"
handler500 = "portal.errorviews.server_error"
