from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

import config.converters  # noqa: F401  (registers <id:...> before any app's routes are read)
from config import views
from trust.views import healthz, readyz

# The admin signs in through the site's sign-in (lockout, second factor), never its own form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("security/", views.security_policy, name="security_policy"),
    # CSRF-exempt: it only sets the language cookie, and a token in it would keep public pages from caching
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("work/", include("certification.urls")),
    path("", include("certification.public.urls")),
    path("", include("registry.urls")),
]

# Under /api/ these answer in the API's error format; elsewhere they render the HTML error pages.
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
