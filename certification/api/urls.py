from django.urls import path

from . import views

app_name = "certification_api"
urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/artifacts/", views.ApplicationArtifactView.as_view(), name="application_artifacts"),
    path("applications/<int:pk>/actions/", views.ApplicationActionView.as_view(), name="application_actions"),
    path("applications/<int:pk>/cases/<str:requirement_code>/", views.ApplicationCaseView.as_view(),
         name="application_case"),
]
