from django.urls import path

from trust.api import views

app_name = "trust_api"
urlpatterns = [
    path("keys/", views.KeysView.as_view(), name="keys"),
    path("transparency/head/", views.TreeHeadView.as_view(), name="tree_head"),
    path("transparency/proof/", views.InclusionProofView.as_view(), name="inclusion_proof"),
    path("transparency/consistency/", views.ConsistencyProofView.as_view(), name="consistency_proof"),
    path("transparency/entries/", views.EntriesView.as_view(), name="entries"),
]
