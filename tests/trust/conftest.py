import pytest


@pytest.fixture(scope="session")
def _translations_compiled(django_db_blocker):
    """Pages are asserted in Vietnamese, so compile the catalogue (django.po + parts) once per run."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    with django_db_blocker.unblock():
        call_command("compile_translations", verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    yield
