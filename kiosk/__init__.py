"""Voice and body-language practice kiosk.

The data flow is the layout: ``capture`` -> ``vision`` / ``voice`` ->
``scoring`` -> ``report`` / ``store``. See ``DESIGN.md`` for the architecture.
"""

__version__ = "0.1.0"
