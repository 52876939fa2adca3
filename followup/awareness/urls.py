from django.urls import path

from followup.awareness import views

app_name = "awareness"

urlpatterns = [
    path("", views.index, name="index"),
]
