from django.urls import path

from portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<slug:name>/preview/", views.schedule_preview, name="schedule_preview"),
    path("schedules/<slug:name>/run/", views.schedule_run, name="schedule_run"),
    path("schedules/<slug:name>/edit/", views.schedule_edit, name="schedule_edit"),
    path("<uuid:public_id>/open/", views.open_notification, name="open"),
    path("<uuid:public_id>/read/", views.mark_read, name="mark_read"),
]
