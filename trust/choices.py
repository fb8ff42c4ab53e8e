from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed after every attempt")
    CLOSED = "closed", _("Closed without delivery")
