"""``python -m crmkit …`` runs the ``crmkit`` command (see :mod:`crmkit.cli`)."""

import sys

from crmkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
