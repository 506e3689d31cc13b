"""Whether a process id is still running on this machine, for claims and leftover files."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True while ``pid`` runs here (or when this platform cannot tell: keep its work).

    Signal 0 asks without sending anything; on Windows it would kill, so assume alive.
    """
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process (PermissionError) or a platform quirk
        return True
    return True
