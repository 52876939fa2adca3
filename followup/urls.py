from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/open/", views.cycle_open, name="cycle_open"),
    path("import/", views.import_answers, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("regulations/", views.regulations, name="regulations"),
    path("institutions/", views.institutions, name="institutions"),
    path("institutions/load-mext/", views.institutions_load, name="institutions_load"),
    path("regulations/<uuid:public_id>/download/", views.regulation_download,
         name="regulation_download"),
    path("<int:fiscal_year>/", views.cycle_detail, name="cycle"),
    path("<int:fiscal_year>/answers/", views.answers_edit, name="answers_edit"),
    path("<int:fiscal_year>/answers/<slug:action>/", views.response_action, name="response_action"),
    path("<int:fiscal_year>/results/", views.results, name="results"),
    path("<int:fiscal_year>/export/<slug:fmt>/", views.export, name="export"),
]
