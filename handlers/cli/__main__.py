"""``python -m handlers.cli``: the ``concierge`` command without the installed console script."""

import sys

from handlers.cli import main

sys.exit(main())
