"""django-tenants' PostgreSQL backend, without the repeated `SET search_path`.

With TENANT_LIMIT_SET_CALLS, django-tenants issues `SET search_path` once per cursor-use after each
set_tenant(); but every request calls set_tenant() (public first, then the tenant), so every request still
pays one extra round trip even when a pooled connection already has exactly that path. Here set_tenant()
keeps the connection's path when it already is the one wanted. django-tenants itself forgets the path on
rollback and close, which is when PostgreSQL may have dropped it, and so do we.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self._path_on_server = None  # what the last successful SET put on this connection
        super().__init__(*args, **kwargs)

    def set_tenant(self, tenant, include_public=True):
        super().set_tenant(tenant, include_public)
        if self._path_on_server is not None and self._path_on_server == self._get_cursor_search_paths():
            self.search_path_set_schemas = self._path_on_server

    def _handle_search_path(self, cursor=None):
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            self._path_on_server = self.search_path_set_schemas

    def close(self):
        self._path_on_server = None
        super().close()

    def rollback(self):
        self._path_on_server = None
        super().rollback()

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self._path_on_server = None
