"""django-tenants' PostgreSQL backend, made safe to set the search path once per connection and schema.

django-tenants issues `SET search_path` before every query unless TENANT_LIMIT_SET_CALLS is on, which doubles
the round trips of every request. With the limit on, a `SET` issued inside a transaction that later rolls back
(or a savepoint that is rolled back) is undone by PostgreSQL while django-tenants still believes it holds, and
the next query would run in the wrong schema. So: forget the cached path on every rollback.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def _rollback(self):
        self.search_path_set_schemas = None
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        self.search_path_set_schemas = None
        return super()._savepoint_rollback(sid)
