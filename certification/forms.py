"""Forms of the work pages. They parse and label input only; every rule lives in the services."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.choices import (
    EVALUATOR_RESULTS,
    ApplicationKind,
    CaseResultValue,
    ConflictRelation,
)
from config.bounds import TEXT_MAX_LENGTH, BoundedDateField
from registry.choices import ArtifactKind, CertificateStatus, Level
from registry.models import Certificate, Product, ProductVersion, Scheme, Vendor


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "name", "name_en", "category", "description_vi", "description_en",
        ]
        labels = {
            "name": _("Product name (Vietnamese)"),
            "name_en": _("Product name (English)"),
        }
        widgets = {
            "description_vi": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="product", **kwargs)


class ProductVersionForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    version = forms.CharField(label=_("Version"), max_length=100)
    release_date = BoundedDateField(label=_("Release date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Release notes"), required=False, max_length=TEXT_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, prefix="version", **kwargs)
        if products is not None:
            self.fields["product"].queryset = products


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProductVersion) -> str:
        return f"{obj.product.name} {obj.version}"


class SchemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Scheme) -> str:
        from django.utils.translation import get_language

        name = obj.name_en if (get_language() or "vi").startswith("en") and obj.name_en else obj.name_vi
        return f"{obj.code} v{obj.version} · {name}"


class CertificateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Certificate) -> str:
        return f"{obj.serial} · {obj.product.name} · {obj.get_status_display()}"


class ApplicationCreateForm(forms.Form):
    """A first certification, the renewal of a certificate, or a new version joining one (maintenance).

    Shape only: whether the certificate may be renewed or maintained with this version, scheme and level,
    and what a maintenance application must say, is decided by the service (`application_create`)."""

    kind = forms.ChoiceField(label=_("What the application is for"), choices=ApplicationKind.choices,
                             initial=ApplicationKind.CERTIFICATION, widget=forms.RadioSelect)
    certificate = CertificateChoiceField(
        label=_("Certificate"), required=False, queryset=Certificate.objects.none(), to_field_name="serial",
        help_text=_("For a renewal or a new version: the certificate it continues."))
    product_version = VersionChoiceField(label=_("Product version"), queryset=ProductVersion.objects.none())
    scheme = SchemeChoiceField(label=_("Scheme"), queryset=Scheme.objects.filter(is_current=True).order_by("code"))
    level = forms.ChoiceField(label=_("Assurance level"), choices=Level.choices)
    impact_analysis = forms.CharField(
        label=_("Impact analysis (new version only)"), required=False, max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What changed in this version and which security functions it affects."))
    affected_requirements = forms.CharField(
        label=_("Affected requirements (new version only)"), required=False, max_length=2000,
        help_text=_("Requirement codes separated by commas or spaces; they are evaluated again, with every "
                    "automated check."))

    def __init__(self, *args, versions=None, certificates=None, **kwargs):
        super().__init__(*args, prefix="application", **kwargs)
        if versions is not None:
            self.fields["product_version"].queryset = versions
        if certificates is not None:
            self.fields["certificate"].queryset = certificates

    def clean(self):
        data = super().clean()
        if data.get("kind", ApplicationKind.CERTIFICATION) != ApplicationKind.CERTIFICATION and not data.get(
                "certificate"):
            self.add_error("certificate", _("Choose the certificate this application continues."))
        return data

    def service_arguments(self) -> dict:
        """The keyword arguments of `application_create` for what was chosen."""
        data = self.cleaned_data
        arguments = {"product_version": data["product_version"], "scheme": data["scheme"], "level": data["level"]}
        if data["kind"] == ApplicationKind.RENEWAL:
            arguments["renewal_of"] = data["certificate"]
        elif data["kind"] == ApplicationKind.MAINTENANCE:
            arguments.update(maintenance_of=data["certificate"], impact_analysis=data["impact_analysis"],
                             affected_requirements=[c for c in re.split(r"[\s,;]+", data["affected_requirements"])
                                                    if c])
        return arguments


class ArtifactUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=ArtifactKind.choices)
    file = forms.FileField(label=_("File"))


class ArtifactReplaceForm(forms.Form):
    file = forms.FileField(label=_("New version of the file"))


class CaseResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), widget=forms.RadioSelect,
        choices=[(str(v), CaseResultValue(v).label) for v in EVALUATOR_RESULTS],
    )
    notes = forms.CharField(label=_("Notes and evidence"), required=False, max_length=TEXT_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 5}))


class CaseDeviationForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result the decision relies on"), widget=forms.RadioSelect,
        choices=[(str(v), CaseResultValue(v).label) for v in EVALUATOR_RESULTS],
    )
    justification = forms.CharField(label=_("Justification (kept on record and printed in the report)"),
                                    max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class EvidenceFileForm(forms.Form):
    file = forms.FileField(label=_("Evidence file (screenshot, log, capture)"))


class CertificateSearchForm(forms.Form):
    q = forms.CharField(label=_("Serial, product or vendor"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *CertificateStatus.choices])
    review = forms.BooleanField(label=_("Flagged for review only"), required=False)


class ConflictDeclarationForm(forms.Form):
    """An evaluator's relation with a vendor, found by its tax code."""

    tax_code = forms.CharField(label=_("Vendor tax code"), max_length=14)
    relation = forms.ChoiceField(label=_("Relation"), choices=ConflictRelation.choices)
    started_on = BoundedDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = BoundedDateField(label=_("Until (empty if ongoing)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        tax_code = (data.pop("tax_code", "") or "").strip()
        vendor = Vendor.objects.filter(tax_code=tax_code).first() if tax_code else None
        if tax_code and vendor is None:
            self.add_error("tax_code", _("No vendor is registered with this tax code."))
        data["vendor"] = vendor
        return data


class MvnAttestationForm(forms.Form):
    """A vendor's Make in Viet Nam attestation for one of its products, with evidence for staff to review."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    researched = forms.BooleanField(label=_("Researched in Viet Nam"), required=False)
    developed = forms.BooleanField(label=_("Developed in Viet Nam"), required=False)
    produced = forms.BooleanField(label=_("Produced in Viet Nam"), required=False)
    source_owner = forms.BooleanField(label=_("Our company owns the source code"), required=False)
    statement = forms.CharField(label=_("Statement"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("Where the product was designed, built and produced, and by whom."))
    file = forms.FileField(label=_("Evidence (PDF, DOCX or ODT)"))

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, prefix="mvn", **kwargs)
        self.fields["product"].queryset = products if products is not None else Product.objects.none()


class VendorChangeRequestForm(forms.Form):
    legal_name = forms.CharField(label=_("New legal name"), max_length=300, required=False)
    tax_code = forms.CharField(label=_("New tax code"), max_length=14, required=False)
    reason = forms.CharField(label=_("Reason and supporting document"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example the number and date of the new business registration "
                                         "certificate."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="change", **kwargs)


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note (required to reject)"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
