"""``python -m kiosk.evaluation MANIFEST...``: ``kiosk eval`` for a copy of older code that lacks the command."""

import sys

from kiosk.evaluation.command import main

sys.exit(main())
