"""Token authentication for the API: `Authorization: Token <key>`.

Listed first in DEFAULT_AUTHENTICATION_CLASSES so that DRF answers 401 with
`WWW-Authenticate: Token` (not 403) when credentials are missing or wrong.
"""

from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_header(self, request) -> str:
        return self.keyword
