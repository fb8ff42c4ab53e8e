from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned to vendor")
    IN_EVALUATION = "in_evaluation", _("In evaluation")
    EVALUATED = "evaluated", _("Evaluated")
    CERTIFIED = "certified", _("Certified")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    APPEALED = "appealed", _("Appealed")


class ApplicationKind(models.TextChoices):
    CERTIFICATION = "certification", _("Certification")
    RENEWAL = "renewal", _("Renewal of a certificate")
    MAINTENANCE = "maintenance", _("Maintenance (a new version joins a certificate)")


class ApplicationAction(models.TextChoices):
    CREATE = "create", _("Create")
    SUBMIT = "submit", _("Submit")
    RETURN = "return", _("Return")
    ASSIGN = "assign", _("Assign")
    COMPLETE = "complete", _("Complete evaluation")
    CERTIFY = "certify", _("Certify")
    REJECT = "reject", _("Reject")
    WITHDRAW = "withdraw", _("Withdraw")
    APPEAL = "appeal", _("Appeal")
    UPHOLD = "uphold", _("Uphold rejection")
    OVERTURN = "overturn", _("Overturn rejection")


class CaseResultValue(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    ERROR = "error", _("Error")


FINAL_RESULTS = {CaseResultValue.PASS, CaseResultValue.FAIL, CaseResultValue.NOT_APPLICABLE}
EVALUATOR_RESULTS = [CaseResultValue.PASS, CaseResultValue.FAIL, CaseResultValue.NOT_APPLICABLE]


class CheckRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    ERROR = "error", _("Error")


class ConflictRelation(models.TextChoices):
    EMPLOYMENT = "employment", _("Employed by the vendor")
    CONSULTING = "consulting", _("Consulting or development work for the vendor")
    FINANCIAL = "financial", _("Financial interest in the vendor")
    FAMILY = "family", _("Close relative works for the vendor")
    OTHER = "other", _("Other relation")


class SeverityRating(models.TextChoices):
    """Qualitative severity of an advisory (CVSS v3/v4 ratings; 'unknown' when none was published)."""

    NONE = "none", _("None")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")
    UNKNOWN = "unknown", _("Unknown")


# Order for threshold comparisons; 'unknown' has no rank, so it never reaches a threshold by itself.
SEVERITY_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    NOT_AFFECTED = "not_affected", _("Not affected (VEX)")
    RESOLVED = "resolved", _("Resolved (VEX)")
    FIXED = "fixed", _("No longer affected")
    WITHDRAWN = "withdrawn", _("Advisory withdrawn")


class ReportEdition(models.TextChoices):
    """The evaluation report comes in two copies: the vendor's does not name the body's people."""

    BODY = "body", _("Certification body's copy")
    VENDOR = "vendor", _("Vendor's copy")
