"""How allauth fits this site: no open sign-up (vendors register with their company), e-mail in the
recipient's own language, and each role's desk after sign-in."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Vendors register with their company's tax code (registry:vendor_register); other roles are
        # created by the certification body.
        return False

    def get_login_redirect_url(self, request) -> str:
        return reverse("accounts:home")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Write to a known person in their preferred language, to anyone else in the page's.

        Needs no request: allauth sends some notices after the commit, when the request may be gone."""
        user = get_user_model().objects.filter(email__iexact=email).only("preferred_language").first()
        language = user.preferred_language if user else (translation.get_language() or settings.LANGUAGE_CODE)
        with translation.override(language):
            message = self.render_mail(template_prefix, email, {"email": email, "site_url": settings.SITE_URL,
                                                                 **context})
        message.send()


class MfaAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user) -> str:
        return user.email

    def encrypt(self, text: str) -> str:
        from accounts.secrets import secret_encrypt

        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        from accounts.secrets import secret_decrypt

        return secret_decrypt(encrypted_text)
