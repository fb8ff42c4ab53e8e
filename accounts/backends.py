from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every sign-in that comes with a request.

    authenticate() without a request (a script, Client.login in tests) has no address to lock out
    and no page to answer on; axes would raise there, so such calls pass through to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
