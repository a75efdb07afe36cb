"""Space-Track-compatible endpoints: `/ajaxauth/login`, `/basicspacedata/query|modeldef/...`.

Existing scripts and the `spacetrack` client point their base URL at Accord and see only
what the agreements grant their partner. See docs/spacetrack.md, "Serving Space-Track
clients".
"""

from accord.service.spacetrack._routes import LOGIN_FAILED, NOT_LOGGED_IN, router
from accord.service.spacetrack._rows import object_type_from_name

__all__ = ["LOGIN_FAILED", "NOT_LOGGED_IN", "object_type_from_name", "router"]
