from django.urls import path

from followup.awareness import views

app_name = "awareness"

urlpatterns = [
    path("", views.index, name="index"),
    # Activities and attendance
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<uuid:public_id>/", views.activity_detail, name="activity_detail"),
    path("activities/<uuid:public_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<uuid:public_id>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<uuid:public_id>/materials/", views.material_upload, name="material_upload"),
    path("activities/<uuid:public_id>/attendance/import/", views.attendance_import,
         name="attendance_import"),
    path("activities/<uuid:public_id>/attendance/mark/", views.attendance_mark,
         name="attendance_mark"),
    path("activities/<uuid:public_id>/attendance/<int:attendance_id>/remove/",
         views.attendance_remove, name="attendance_remove"),
    path("activities/<uuid:public_id>/quiz/", views.quiz_question_add, name="quiz_question_add"),
    path("activities/<uuid:public_id>/quiz/<int:question_id>/delete/",
         views.quiz_question_delete, name="quiz_question_delete"),
    path("activities/<uuid:public_id>/complete/", views.elearning_complete,
         name="elearning_complete"),
    path("materials/<int:material_id>/", views.material_download, name="material_download"),
    path("materials/<int:material_id>/delete/", views.material_delete, name="material_delete"),
    path("my-training/", views.my_training, name="my_training"),
    path("completion/", views.completion, name="completion"),
    # Checklists
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/new/", views.checklist_create, name="checklist_create"),
    path("checklists/<uuid:public_id>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<uuid:public_id>/items/new/", views.checklist_item_edit,
         name="checklist_item_add"),
    path("checklists/<uuid:public_id>/items/<slug:key>/", views.checklist_item_edit,
         name="checklist_item_edit"),
    path("checklists/<uuid:public_id>/items/<slug:key>/delete/", views.checklist_item_delete,
         name="checklist_item_delete"),
    path("checklists/<uuid:public_id>/publish/", views.checklist_publish,
         name="checklist_publish"),
    path("checklists/<uuid:public_id>/fill/", views.checklist_fill, name="checklist_fill"),
    path("responses/", views.response_list, name="response_list"),
    path("responses/<uuid:public_id>/", views.response_detail, name="response_detail"),
    path("export/<slug:name>/", views.export, name="export"),
    # Case library (事例集)
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_edit, name="case_create"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:public_id>/publish/", views.case_publish, name="case_publish"),
]
