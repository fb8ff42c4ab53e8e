import pytest

from tests.api.helpers import auth


@pytest.fixture
def anon(api_client):
    return auth(api_client, None)
