"""Path routing: /t/<slug>/... selects a tenant schema; everything else is the public schema.

We do not use django-tenants' TenantSubfolderMiddleware: it builds a new URLConf module and clears Django's URL
caches on every request, which costs milliseconds on the annotator hot path. Instead the tenant prefix is moved
into SCRIPT_NAME (as if the tenant were mounted there), so one static tenant URLConf resolves the rest of the
path and reverse() produces prefixed URLs by itself.
"""

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import get_script_prefix, set_script_prefix, set_urlconf
from django.utils.html import escape

from labelhub.errors import error_body
from tenants.models import Client

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Found tenants are remembered per process for a few seconds: the lookup is on every request of the hot path.
# Unknown slugs are never cached, and a deactivated tenant stops being served within this many seconds.
TENANT_CACHE_SECONDS = 5.0
_recent: dict[str, tuple[Client, float]] = {}


class TenantPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.prefix = f"/{settings.TENANT_PATH_PREFIX}/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        path = request.path_info
        if not path.startswith(self.prefix):
            # No `request.tenant` at all on public paths: code reads it with getattr(request, "tenant", None), and
            # django-tenants' admin templates take a missing attribute (not None) to mean the public schema.
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            return self.get_response(request)

        slug, _, rest = path[len(self.prefix) :].partition("/")
        tenant = self._lookup(slug)
        if tenant is None:
            return self._not_found(request, slug)
        request.tenant = tenant
        connection.set_tenant(tenant)
        mount = f"{request.META.get('SCRIPT_NAME', '').rstrip('/')}{self.prefix}{slug}"
        request.META["SCRIPT_NAME"] = mount
        request.path_info = "/" + rest
        request.urlconf = settings.TENANT_URLCONF
        previous_prefix = get_script_prefix()
        set_script_prefix(mount + "/")
        set_urlconf(settings.TENANT_URLCONF)
        try:
            return self.get_response(request)
        finally:
            # The thread serves other requests next: never leave it inside a tenant schema, nor its URLs inside
            # the tenant's prefix (WSGI resets the prefix per request; other callers, like the test client, do not).
            connection.set_schema_to_public()
            set_script_prefix(previous_prefix)

    @staticmethod
    def _lookup(slug: str) -> Client | None:
        if not _SLUG.match(slug):
            return None
        cached = _recent.get(slug)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        client = Client.objects.filter(slug=slug, is_active=True).exclude(schema_name="public").first()
        if client is not None:
            if len(_recent) > 10_000:
                _recent.clear()
            _recent[slug] = (client, now + TENANT_CACHE_SECONDS)
        else:
            _recent.pop(slug, None)
        return client

    @staticmethod
    def _not_found(request: HttpRequest, slug: str) -> HttpResponse:
        message = f"no tenant named {slug!r}" if slug else "the tenant is missing from the path (/t/<tenant>/...)"
        if "/api/" in request.path or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(error_body("tenant_not_found", message), status=404)
        return HttpResponse(f"<h1>Not found</h1><p>{escape(message)}</p>", status=404)
