"""DRF authentication by per-tenant API key (`Authorization: Bearer lh_...` or `X-Api-Key: lh_...`)."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from tenants.keys import secret_matches, split_key
from tenants.models import ApiKey


class ApiKeyUser:
    """The principal behind an API key: authenticated, never staff, bound to one tenant."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_platform_admin = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request):
        raw = self._raw_key(request)
        if raw is None:
            return None
        parts = split_key(raw)
        if parts is None:
            raise exceptions.AuthenticationFailed("malformed API key (expected lh_<prefix>_<secret>)")
        prefix, secret = parts
        api_key = ApiKey.objects.select_related("client").filter(prefix=prefix).first()
        if api_key is None or not secret_matches(secret, api_key.secret_hash):
            raise exceptions.AuthenticationFailed("invalid API key")
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("this API key was revoked")
        now = timezone.now()
        # One write per key per minute at most, so heavy API use does not turn every read into a write.
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    def _raw_key(self, request: Request) -> str | None:
        header = request.headers.get("X-Api-Key")
        if header:
            return header.strip()
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <API key>'")
        try:
            return auth[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("API key contains invalid characters") from None
