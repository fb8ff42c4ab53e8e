"""Forms of the public registry pages (verification and bulk status check)."""

import re

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# Serials never contain spaces, commas or semicolons, so any of those (or a new line) separates them.
_SEPARATORS = re.compile(r"[\s,;]+")


class CertificateLookupForm(forms.Form):
    serial = forms.CharField(
        label=_("Certificate serial number"), max_length=40, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "VN-CSP-2025-00001", "autocomplete": "off",
                                      "spellcheck": "false"}),
    )


class CertificateBulkForm(forms.Form):
    serials = forms.CharField(
        label=_("Certificate serial numbers"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request so the number and the text follow the active language.
        self.fields["serials"].help_text = _("One serial per line, up to %(max)s.") % {
            "max": number_format(settings.BULK_STATUS_MAX_SERIALS, force_grouping=True)}

    def clean_serials(self) -> list[str]:
        seen: dict[str, None] = {}
        for token in _SEPARATORS.split(self.cleaned_data["serials"]):
            token = token.strip()
            if token:
                seen.setdefault(token[:40], None)  # keep the first occurrence, in the order given
        serials = list(seen)
        if not serials:
            raise forms.ValidationError(_("Enter at least one serial number."))
        limit = settings.BULK_STATUS_MAX_SERIALS
        if len(serials) > limit:
            raise forms.ValidationError(
                _("You entered %(count)s serial numbers; the limit is %(max)s per check.")
                % {"count": number_format(len(serials), force_grouping=True),
                   "max": number_format(limit, force_grouping=True)}
            )
        return serials
