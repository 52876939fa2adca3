from django.urls import path

from disclosures import views

app_name = "disclosures"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("start/", views.start, name="start"),
    path("update/", views.start, name="update_start"),
    path("no-change/", views.no_change, name="no_change"),
    path("edit/", views.edit, name="edit"),
    path("edit/submit/", views.submit, name="submit"),
    path("edit/discard/", views.discard, name="discard"),
    path("edit/attachments/", views.attachment_upload, name="attachment_upload"),
    path("edit/<slug:section>/", views.section_view, name="section"),
    path("edit/<slug:section>/new/", views.item_edit, name="item_add"),
    path("edit/<slug:section>/<uuid:item_key>/", views.item_edit, name="item_edit"),
    path("edit/<slug:section>/<uuid:item_key>/delete/", views.item_delete, name="item_delete"),
    path("attachments/<uuid:public_id>/", views.attachment_download, name="attachment_download"),
    path("attachments/<uuid:public_id>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("imports/", views.imports, name="imports"),
    path("imports/<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("imports/entries/<int:pk>/<slug:decision>/", views.import_decide, name="import_decide"),
    path("review/", views.queue, name="queue"),
    path("review/<uuid:public_id>/comment/", views.comment_add, name="comment_add"),
    path("review/<uuid:public_id>/<slug:action>/", views.review_action, name="review_action"),
    path("applications/", views.applications, name="applications"),
    path("applications/lists.xlsx", views.applications_xlsx, name="applications_xlsx"),
    path("applications/lists.pdf", views.applications_pdf, name="applications_pdf"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<uuid:public_id>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<uuid:public_id>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<uuid:public_id>/remind/", views.campaign_remind, name="campaign_remind"),
    path("export/", views.export_all, name="export_all"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/diff/", views.diff, name="diff"),
    path("<uuid:public_id>/viewers/", views.viewers, name="viewers"),
]
