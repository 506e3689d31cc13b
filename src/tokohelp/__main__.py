"""Allow ``python -m tokohelp``."""

from tokohelp.cli import main

main()
