"""Debug logging that can never show a secret.

``--debug`` (or ``TOKOHELP_DEBUG=1``) sends the ``tokohelp`` logger to stderr.
Every secret the program resolves is registered with ``tokohelp.redact``, and
so is the value of every environment variable whose name looks secret; a
filter masks them in every record before it is formatted.
"""

from __future__ import annotations

import logging
import os
import re

from tokohelp.redact import redact, register_secret

_SECRET_NAME = re.compile(r"PASS|TOKEN|SECRET|KEY|AUTH", re.IGNORECASE)

log = logging.getLogger("tokohelp")


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def enable_debug() -> None:
    """Log everything from tokohelp to stderr, with secrets masked."""
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name):
            register_secret(value)
    handler = logging.StreamHandler()
    handler.addFilter(_RedactingFilter())
    handler.setFormatter(logging.Formatter("tokohelp: debug: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
