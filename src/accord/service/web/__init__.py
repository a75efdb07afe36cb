"""The web console: server-rendered pages over the authorisation point, and their assets.

`install_console(app)` adds the pages under `/console/` and serves `/console/static/` (the
console's own CSS and scripts, and the front-end libraries `make assets` installs into
`static/vendor/`). Pages decide visibility with `accord.access`, exactly as the API does.
See docs/console.md.
"""

from accord.service.web._console import CONSOLE_PREFIX, STATIC_DIR, VENDOR_DIR, install_console

__all__ = ["CONSOLE_PREFIX", "STATIC_DIR", "VENDOR_DIR", "install_console"]
