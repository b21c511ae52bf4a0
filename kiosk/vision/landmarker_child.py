"""Entry point of the landmarker child process (see :mod:`kiosk.vision.isolated`).

A module of its own so that the messages the child unpickles are the classes
of ``kiosk.vision.isolated``, not copies made under ``__main__``.
"""

import sys

from kiosk.vision.isolated import child_main

if __name__ == "__main__":
    sys.exit(child_main())
