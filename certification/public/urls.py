from django.urls import path

from certification.public import views

app_name = "certification_public"
urlpatterns = [
    path("in-evaluation/", views.in_evaluation, name="in_evaluation"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/<slug:slug>.csv", views.statistics_csv, name="statistics_csv"),
]
