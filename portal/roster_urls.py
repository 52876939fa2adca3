from django.urls import path

from portal import roster_views

urlpatterns = [
    path("", roster_views.roster_import, name="roster_import"),
    path("sample/<slug:kind>.csv", roster_views.roster_sample, name="roster_sample"),
]
