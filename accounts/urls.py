from allauth.account import views as allauth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.overview, name="overview"),
    # the names the site used before allauth; the same paths and views as account_login / account_logout
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("home/", views.home, name="home"),
]
