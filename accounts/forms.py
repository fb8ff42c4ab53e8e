from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .lockout import sign_in_allowed, sign_in_failed


class _LockoutAwareCodeForm:
    """A wrong second-factor code counts as a failed sign-in (per account and address), and no code
    is even checked while the account or the address is locked out."""

    def clean_code(self) -> str:
        request = context.request
        email = self.user.email
        if not sign_in_allowed(request, email=email):
            request.axes_locked_out = True  # the lockout middleware answers with the lockout page
            raise forms.ValidationError(_("Too many failed attempts."), code="locked_out")
        try:
            return super().clean_code()
        except forms.ValidationError:
            sign_in_failed(request, email=email)
            raise


class MfaAuthenticateForm(_LockoutAwareCodeForm, AuthenticateForm):
    pass


class MfaReauthenticateForm(_LockoutAwareCodeForm, ReauthenticateForm):
    pass
