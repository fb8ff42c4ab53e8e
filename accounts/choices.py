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


class TokenRevocation(models.TextChoices):
    OWNER = "owner", _("Revoked by its owner")
    PASSWORD_CHANGED = "password_changed", _("Revoked because the password changed")
    ACCOUNT_DELETED = "account_deleted", _("Revoked because the account was deleted")
    OPERATOR = "operator", _("Revoked by the certification body")


# How long a token made on the page may live, in days; the first is the default.
TOKEN_LIFETIMES = [90, 30, 180, 365]
