from django.urls import path

from portal import roster_views

urlpatterns = [
    path("", roster_views.roster_import, name="roster_import"),
]
