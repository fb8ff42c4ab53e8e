from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import models


class Command(BaseCommand):
    help = ("Check that every stored file the database refers to is present and, where its row records a "
            "SHA-256 (artifacts, evidence, certificate PDFs), that the file still has it. Exit 1 naming what "
            "is missing or altered. Part of the restore drill.")

    def handle(self, *args, **options):
        import hashlib

        checked, problems = 0, []
        for model in apps.get_models():
            fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
            for field in fields:
                digest_field = next((n for n in (f"{field.name}_sha256", "sha256")
                                     if n in {f.name for f in model._meta.concrete_fields}), None)
                rows = model._default_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True})
                for row in rows.only("pk", field.name, *([digest_field] if digest_field else [])).iterator():
                    name = getattr(row, field.name).name
                    checked += 1
                    if not default_storage.exists(name):
                        problems.append(f"{model._meta.label} #{row.pk}: {name} is missing")
                        continue
                    expected = getattr(row, digest_field) if digest_field else ""
                    if expected:
                        sha = hashlib.sha256()
                        with default_storage.open(name, "rb") as fh:
                            for chunk in iter(lambda: fh.read(1 << 20), b""):
                                sha.update(chunk)
                        if sha.hexdigest() != expected:
                            problems.append(f"{model._meta.label} #{row.pk}: {name} does not match its SHA-256")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"Stored files intact: {checked} checked."))
