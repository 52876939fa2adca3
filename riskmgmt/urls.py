from django.urls import path

from riskmgmt import views

app_name = "riskmgmt"

urlpatterns = [
    path("", views.index, name="index"),
    path("cases/assign/", views.bulk_assign, name="bulk_assign"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/regroup/", views.case_regroup, name="case_regroup"),
    path("cases/<uuid:public_id>/measures/<int:measure_id>/status/", views.measure_status,
         name="measure_status"),
    path("cases/<uuid:public_id>/<slug:action>/", views.case_action, name="case_action"),
    path("register/", views.register, name="register"),
    path("register/export/", views.register_export, name="register_export"),
    path("screening/hits/export/", views.hits_export, name="hits_export"),
    path("screening/", views.screening, name="screening"),
    path("screening/import/", views.screening_import, name="screening_import"),
    path("screening/releases/<uuid:public_id>/rescreen/", views.screening_rescreen,
         name="screening_rescreen"),
    path("screening/check/", views.screening_check, name="screening_check"),
    path("screening/hits/", views.hit_list, name="hit_list"),
    path("screening/hits/<uuid:public_id>/", views.hit_detail, name="hit_detail"),
    path("rules/", views.rule_list, name="rule_list"),
    path("scales/", views.scales, name="scales"),
    path("rules/<slug:code>/", views.rule_detail, name="rule_detail"),
    path("inquiries/", views.inquiry_list, name="inquiry_list"),
    path("inquiries/new/", views.inquiry_create, name="inquiry_create"),
    path("inquiries/<uuid:public_id>/", views.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<uuid:public_id>/pdf/", views.inquiry_pdf, name="inquiry_pdf"),
    path("my/questions/", views.my_requests, name="my_requests"),
    path("my/questions/<uuid:public_id>/", views.my_request_detail, name="my_request_detail"),
    path("questions/attachments/<uuid:public_id>/", views.request_attachment,
         name="request_attachment"),
]
