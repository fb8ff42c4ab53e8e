"""Encrypt the second-factor secrets stored before encryption existed (see accounts.secrets)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.secrets import secret_encrypt

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).iterator():
        data = dict(authenticator.data)
        for field in ("secret", "seed"):
            if isinstance(data.get(field), str):
                data[field] = secret_encrypt(data[field])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [secret_encrypt(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_existing_tokens_and_addresses"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
