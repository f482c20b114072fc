"""API scopes and what each client role is allowed.

A scope is `<area>:<read|write>`. API keys carry an explicit subset; browser sessions get the scopes of the
user's role in the tenant.
"""

READ_SCOPES = frozenset({"projects:read", "items:read", "datasets:read", "reports:read"})
WRITE_SCOPES = frozenset({"projects:write", "items:write", "datasets:write"})
ADMIN_SCOPES = frozenset({"members:manage", "keys:manage", "billing:manage"})
ALL_SCOPES = READ_SCOPES | WRITE_SCOPES | ADMIN_SCOPES
# Keys never manage other keys or members: that needs a person logged in as owner.
API_KEY_SCOPES = READ_SCOPES | WRITE_SCOPES

ROLE_OWNER = "owner"
ROLE_MANAGER = "manager"
ROLE_VIEWER = "viewer"
ROLE_CHOICES = [(ROLE_OWNER, "Owner"), (ROLE_MANAGER, "Manager"), (ROLE_VIEWER, "Viewer")]

ROLE_SCOPES: dict[str, frozenset[str]] = {
    ROLE_OWNER: ALL_SCOPES,
    ROLE_MANAGER: READ_SCOPES | WRITE_SCOPES,
    ROLE_VIEWER: READ_SCOPES,
}
