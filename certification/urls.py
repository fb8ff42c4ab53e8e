from django.urls import path

from . import report_views, views

app_name = "certification"
urlpatterns = [
    path("vendor/", views.vendor_dashboard, name="vendor_dashboard"),
    path("vendor/profile/", views.vendor_profile, name="vendor_profile"),
    path("vendor/products/", views.product_create_view, name="product_create"),
    path("vendor/versions/", views.version_create_view, name="version_create"),
    path("applications/new/", views.application_create_view, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/actions/", views.application_action, name="application_action"),
    path("applications/<int:pk>/artifacts/", views.artifact_upload_view, name="artifact_upload"),
    path("applications/<int:pk>/checks/<int:run_id>/retry/", views.check_retry_view, name="check_retry"),
    path("evaluator/conflicts/", views.conflict_list, name="conflict_list"),
    path("applications/<int:pk>/artifacts/<int:artifact_id>/download/", views.artifact_download,
         name="artifact_download"),
    path("applications/<int:pk>/components/", views.component_list, name="component_list"),
    path("applications/<int:pk>/report/", report_views.evaluation_report_download, name="evaluation_report_download"),
    path("applications/<int:pk>/independence/", views.independence_view, name="independence_declare"),
    path("applications/<int:pk>/clarifications/", views.clarification_ask_view, name="clarification_ask"),
    path("applications/<int:pk>/clarifications/<int:clarification_id>/reply/", views.clarification_reply_view,
         name="clarification_reply"),
    path("applications/<int:pk>/cases/<str:code>/evidence/", views.evidence_attach_view, name="evidence_attach"),
    path("applications/<int:pk>/cases/<str:code>/", views.case_score, name="case_score"),
    path("evaluator/", views.evaluator_queue, name="evaluator_queue"),
    path("certifier/", views.certifier_queue, name="certifier_queue"),
    path("staff/", views.staff_queue, name="staff_queue"),
    path("staff/vendors/<int:pk>/verify/", views.vendor_verify_view, name="vendor_verify"),
    path("certificates/<str:serial>/actions/", views.certificate_action, name="certificate_action"),
]
