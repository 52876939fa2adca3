from django.urls import path

from riskmgmt.duediligence import views

app_name = "duediligence"

urlpatterns = [
    path("", views.index, name="index"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<uuid:public_id>/", views.project_detail, name="project_detail"),
    path("projects/<uuid:public_id>/<slug:action>/", views.project_action, name="project_action"),
    path("declarations/<uuid:public_id>/", views.declaration, name="declaration"),
    path("link/<str:token>/", views.declaration_link, name="declaration_link"),
]
