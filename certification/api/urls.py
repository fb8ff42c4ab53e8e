from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from certification.api import views

app_name = "certification_api"
urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("applications/<id:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<id:pk>/artifacts/", views.ApplicationArtifactView.as_view(), name="application_artifacts"),
    path("applications/<id:pk>/actions/", views.ApplicationActionView.as_view(), name="application_actions"),
    path("applications/<id:pk>/report/", views.ApplicationReportView.as_view(), name="application_report"),
    path("applications/<id:pk>/cases/<str:requirement_code>/", views.ApplicationCaseView.as_view(),
         name="application_case"),
    # the evaluator's workbench
    path("conflicts/", views.ConflictListView.as_view(), name="conflict_list"),
    path("applications/<id:pk>/status/", views.ApplicationLiveStateView.as_view(), name="application_status"),
    path("applications/<id:pk>/independence/", views.IndependenceView.as_view(), name="independence"),
    path("applications/<id:pk>/clarifications/", views.ClarificationListView.as_view(), name="clarification_list"),
    path("applications/<id:pk>/components/", views.ApplicationComponentListView.as_view(),
         name="component_list"),
    path("applications/<id:pk>/clarifications/<id:clarification_id>/close/", views.ClarificationCloseView.as_view(),
         name="clarification_close"),
    path("applications/<id:pk>/cases/<str:requirement_code>/deviation/", views.CaseDeviationView.as_view(),
         name="case_deviation"),
    path("applications/<id:pk>/cases/<str:requirement_code>/evidence/", views.EvidenceUploadView.as_view(),
         name="evidence_upload"),
    path("applications/<id:pk>/artifacts/<id:artifact_id>/download/", views.ArtifactDownloadView.as_view(),
         name="artifact_download"),
    path("applications/<id:pk>/evidence/<id:evidence_id>/download/", views.EvidenceDownloadView.as_view(),
         name="evidence_download"),
    path("applications/<id:pk>/checks/<str:check_key>/retry/", views.CheckRetryView.as_view(), name="check_retry"),
]
