from django.urls import path

from certification.api import views

app_name = "certification_api"
urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/artifacts/", views.ApplicationArtifactView.as_view(), name="application_artifacts"),
    path("applications/<int:pk>/actions/", views.ApplicationActionView.as_view(), name="application_actions"),
    path("applications/<int:pk>/report/", views.ApplicationReportView.as_view(), name="application_report"),
    path("applications/<int:pk>/cases/<str:requirement_code>/", views.ApplicationCaseView.as_view(),
         name="application_case"),
    # the evaluator's workbench
    path("conflicts/", views.ConflictListView.as_view(), name="conflict_list"),
    path("applications/<int:pk>/status/", views.ApplicationLiveStateView.as_view(), name="application_status"),
    path("applications/<int:pk>/independence/", views.IndependenceView.as_view(), name="independence"),
    path("applications/<int:pk>/clarifications/", views.ClarificationListView.as_view(), name="clarification_list"),
    path("applications/<int:pk>/components/", views.ApplicationComponentListView.as_view(),
         name="component_list"),
    path("applications/<int:pk>/clarifications/<int:clarification_id>/close/", views.ClarificationCloseView.as_view(),
         name="clarification_close"),
    path("applications/<int:pk>/cases/<str:requirement_code>/deviation/", views.CaseDeviationView.as_view(),
         name="case_deviation"),
    path("applications/<int:pk>/cases/<str:requirement_code>/evidence/", views.EvidenceUploadView.as_view(),
         name="evidence_upload"),
    path("applications/<int:pk>/artifacts/<int:artifact_id>/download/", views.ArtifactDownloadView.as_view(),
         name="artifact_download"),
    path("applications/<int:pk>/evidence/<int:evidence_id>/download/", views.EvidenceDownloadView.as_view(),
         name="evidence_download"),
    path("applications/<int:pk>/checks/<str:check_key>/retry/", views.CheckRetryView.as_view(), name="check_retry"),
]
