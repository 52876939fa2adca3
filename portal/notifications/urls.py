from django.urls import path

from portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
]
