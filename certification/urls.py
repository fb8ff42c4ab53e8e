from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from certification.reports import views as report_views
from certification.views import application, certifier, evaluator, outbox, staff, vendor

app_name = "certification"
urlpatterns = [
    path("vendor/", vendor.vendor_dashboard, name="vendor_dashboard"),
    path("vendor/profile/", vendor.vendor_profile, name="vendor_profile"),
    path("vendor/profile/change-request/", vendor.vendor_change_request_view, name="vendor_change_request"),
    path("vendor/mvn/", vendor.mvn_attest_view, name="mvn_attest"),
    path("mvn/<id:pk>/evidence/", staff.mvn_evidence_download, name="mvn_evidence"),
    path("vendor/products/", vendor.product_create_view, name="product_create"),
    path("vendor/versions/", vendor.version_create_view, name="version_create"),
    path("applications/new/", vendor.application_create_view, name="application_create"),
    path("applications/<id:pk>/", application.application_detail, name="application_detail"),
    path("applications/<id:pk>/actions/", application.application_action, name="application_action"),
    path("applications/<id:pk>/artifacts/", application.artifact_upload_view, name="artifact_upload"),
    path("applications/<id:pk>/artifacts/<id:artifact_id>/replace/", application.artifact_replace_view,
         name="artifact_replace"),
    path("applications/<id:pk>/artifacts/<id:artifact_id>/remove/", application.artifact_remove_view,
         name="artifact_remove"),
    path("applications/<id:pk>/checks/<id:run_id>/retry/", application.check_retry_view, name="check_retry"),
    path("evaluator/conflicts/", evaluator.conflict_list, name="conflict_list"),
    path("applications/<id:pk>/artifacts/<id:artifact_id>/download/", application.artifact_download,
         name="artifact_download"),
    path("applications/<id:pk>/components/", application.component_list, name="component_list"),
    path("applications/<id:pk>/report/", report_views.evaluation_report_download, name="evaluation_report_download"),
    path("applications/<id:pk>/independence/", application.independence_view, name="independence_declare"),
    path("applications/<id:pk>/clarifications/", application.clarification_ask_view, name="clarification_ask"),
    path("applications/<id:pk>/clarifications/<id:clarification_id>/reply/", application.clarification_reply_view,
         name="clarification_reply"),
    path("applications/<id:pk>/clarifications/<id:clarification_id>/close/", application.clarification_close_view,
         name="clarification_close"),
    path("applications/<id:pk>/cases/<str:code>/deviation/", evaluator.case_deviation_view, name="case_deviation"),
    path("applications/<id:pk>/cases/<str:code>/evidence/", evaluator.evidence_attach_view, name="evidence_attach"),
    path("applications/<id:pk>/cases/<str:code>/", evaluator.case_score, name="case_score"),
    path("evaluator/", evaluator.evaluator_queue, name="evaluator_queue"),
    path("certifier/", certifier.certifier_queue, name="certifier_queue"),
    path("staff/", staff.staff_queue, name="staff_queue"),
    path("staff/vendors/<id:pk>/verify/", staff.vendor_verify_view, name="vendor_verify"),
    path("staff/change-requests/<id:pk>/", staff.change_request_decide_view, name="change_request_decide"),
    path("staff/mvn/<id:pk>/", staff.mvn_review_view, name="mvn_review"),
    path("staff/outbox/<id:pk>/resend/", outbox.outbox_resend_view, name="outbox_resend"),
    path("staff/outbox/resend-failed/", outbox.outbox_resend_failed_view, name="outbox_resend_failed"),
    path("certificates/<str:serial>/actions/", staff.certificate_action, name="certificate_action"),
]
