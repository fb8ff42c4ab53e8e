from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    EVALUATOR = "evaluator", _("Evaluator")
    CERTIFIER = "certifier", _("Certifier")
    STAFF = "staff", _("Staff")
    PROCUREMENT = "procurement", _("Procurement officer")


class Language(models.TextChoices):
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")
