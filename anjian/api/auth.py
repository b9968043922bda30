"""API authentication: the browser session (with CSRF) or a personal bearer token."""

from ninja.security import APIKeyCookie, HttpBearer

from anjian.accounts.services import api_token_authenticate
from anjian.core.context import current_actor


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal token from the profile page."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        current_actor.set(user)
        return user


class SessionAuth(APIKeyCookie):
    """The Django session cookie; unsafe methods also need the CSRF token."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [TokenAuth(), SessionAuth()]
