from django.urls import path

from riskmgmt import views

app_name = "riskmgmt"

urlpatterns = [
    path("", views.index, name="index"),
]
