"""Forms of the public registry pages (verification, bulk status check, vendor registration) and the
vendor's profile."""


from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.choices import TOKEN_LIFETIMES, Language
from registry.choices import Province
from registry.models import Vendor


class CertificateLookupForm(forms.Form):
    serial = forms.CharField(
        label=_("Certificate serial number"), max_length=40, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "VN-CSP-2025-00001", "autocomplete": "off",
                                      "spellcheck": "false"}),
    )


class CertificateBulkForm(forms.Form):
    serials = forms.CharField(
        label=_("Certificate serial numbers"), required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("Or upload a file"), required=False,
        help_text=_("CSV (UTF-8) or Excel (XLSX), at most 5 MB: the column headed \"serial\" or \"số hiệu\", "
                    "else the first column."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request so the number and the text follow the active language.
        self.fields["serials"].help_text = _("One serial per line, up to %(max)s; any case, with or without "
                                             "dashes.") % {
            "max": number_format(settings.BULK_STATUS_MAX_SERIALS, force_grouping=True)}

    def clean_serials(self) -> list[str]:
        from registry.bulk import serials_from_text

        return self._bounded(serials_from_text(self.cleaned_data["serials"]))

    def clean(self):
        from config.errors import ApplicationError
        from registry.bulk import serials_from_upload

        data = super().clean()
        upload = data.get("file")
        if upload:
            try:
                data["serials"] = self._bounded(serials_from_upload(upload))
            except ApplicationError as exc:
                self.add_error("file", str(exc.message))
            except forms.ValidationError as exc:
                self.add_error("file", exc)
        elif "serials" in data and not data["serials"]:
            self.add_error("serials", _("Enter at least one serial number, or upload a file."))
        return data

    @staticmethod
    def _bounded(tokens: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for token in tokens:
            token = token.strip()
            if token:
                seen.setdefault(token[:40], None)  # keep the first occurrence, in the order given
        serials = list(seen)
        limit = settings.BULK_STATUS_MAX_SERIALS
        if len(serials) > limit:
            raise forms.ValidationError(
                _("You entered %(count)s serial numbers; the limit is %(max)s per check.")
                % {"count": number_format(len(serials), force_grouping=True),
                   "max": number_format(limit, force_grouping=True)}
            )
        return serials


# Vendor self-registration and profile ----------------------------------------------------------

class VendorRegistrationForm(forms.Form):
    """Shape only (required fields, matching passwords); the rules (tax code, duplicates, password
    strength) are the service's, and its field errors are shown on these fields."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(label=_("Full name"), max_length=200,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("At least 10 characters; not a common password, not only digits."))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices, initial=Language.VI)
    legal_name = forms.CharField(label=_("Company legal name (Vietnamese)"), max_length=300)
    name_en = forms.CharField(label=_("Company name in English"), max_length=300, required=False)
    tax_code = forms.CharField(label=_("Tax code"), max_length=14,
                               help_text=_("10 digits, or 10 digits, a hyphen and 3 digits for a branch."))
    province = forms.ChoiceField(label=_("Province or city"), required=False,
                                 choices=[("", "—"), *Province.choices])
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    security_contact_email = forms.EmailField(
        label=_("Security contact e-mail"), required=False,
        help_text=_("Where vulnerability reports about your products should be sent."))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["password"] = data.pop("password1")
        data.pop("password2")
        return data


class VendorProfileForm(forms.ModelForm):
    """The profile a vendor keeps up to date; the tax code is shown, never edited here, and the legal name
    neither once the vendor is verified (both change through a change request)."""

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = ["legal_name", "name_en", "province", "address", "website", "security_contact_email",
                  "publish_evaluations"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and self.instance.verified_at:
            del self.fields["legal_name"]


def form_errors_apply(form: forms.Form, details: dict, *, aliases: dict | None = None) -> None:
    """Show a service's field errors on the form's fields (unknown fields go to the top of the form)."""
    aliases = aliases or {}
    for field, messages in details.items():
        name = aliases.get(field, field)
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            form.add_error(name if name in form.fields else None, str(message))


_days_label = lazy(lambda days: ngettext("%(days)d day", "%(days)d days", days) % {"days": days}, str)


class ApiTokenForm(forms.Form):
    """Shape only; the service checks the name and the lifetime again and owns the limits."""

    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. 'Procurement system of the ministry'."))
    lifetime_days = forms.TypedChoiceField(
        label=_("Valid for"), coerce=int, initial=TOKEN_LIFETIMES[0],
        choices=[(days, _days_label(days)) for days in sorted(TOKEN_LIFETIMES)])


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label=_("I understand that my account is closed for good and that I cannot "
                                         "sign in with it again."))


# Watchlists ---------------------------------------------------------------------------------------

def _ids(text: str, kind: str) -> list[int]:
    """Ids from '12, 15' or from pasted page addresses ('/products/12/')."""
    import re

    found = re.findall(rf"{kind}/(\d{{1,18}})", text or "") or re.findall(r"\b(\d{1,18})\b", text or "")
    return list(dict.fromkeys(int(i) for i in found))


class WatchlistForm(forms.Form):
    """Shape only; the service checks every serial, id and the webhook URL."""

    name = forms.CharField(label=_("Name"), max_length=200)
    serials = forms.CharField(label=_("Certificate serial numbers"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
                              help_text=_("One per line; any case, with or without dashes."))
    products = forms.CharField(label=_("Products"), required=False,
                               help_text=_("Product numbers or page addresses, e.g. /products/12/"))
    vendors = forms.CharField(label=_("Vendors"), required=False,
                              help_text=_("Vendor numbers or page addresses, e.g. /vendors/3/"))
    email = forms.BooleanField(label=_("E-mail me on every status change"), required=False, initial=True)
    webhook_url = forms.CharField(label=_("Webhook URL"), required=False, max_length=500,
                                  help_text=_("https:// on a public address; deliveries are signed (see below)."))

    def service_kwargs(self) -> dict:
        from registry.bulk import serials_from_text

        data = self.cleaned_data
        return {"name": data["name"], "serials": serials_from_text(data["serials"]),
                "products": _ids(data["products"], "products"), "vendors": _ids(data["vendors"], "vendors"),
                "email": data["email"], "webhook_url": data["webhook_url"]}
