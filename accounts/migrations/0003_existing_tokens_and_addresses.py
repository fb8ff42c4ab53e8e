"""Move to the new account model of the site.

* DRF authtoken keys become hashed ApiToken rows (the same key keeps working, for 90 days from this
  migration), then the old table, which held the keys in clear, is dropped.
* Every existing account gets its e-mail address as allauth's primary, verified address: these
  accounts were made by the certification body or registered before verification existed, and
  sign-in now requires a verified address.
"""

import datetime
import hashlib

from django.db import migrations
from django.utils import timezone

MIGRATED_TOKEN_DAYS = 90


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    ApiToken = apps.get_model("accounts", "ApiToken")
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")

    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("SELECT key, user_id, created FROM authtoken_token")
            rows = cursor.fetchall()
        expires = timezone.now() + datetime.timedelta(days=MIGRATED_TOKEN_DAYS)
        for key, user_id, created in rows:
            ApiToken.objects.get_or_create(
                key_hash=hashlib.sha256(key.encode("utf-8")).hexdigest(),
                defaults={"user_id": user_id, "name": "API token (before hashing)", "prefix": key[:8],
                          "created_at": created, "expires_at": expires},
            )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
            cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")

    have_address = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=u.pk, email=u.email, primary=True, verified=True)
         for u in User.objects.exclude(pk__in=have_address).only("pk", "email")],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
