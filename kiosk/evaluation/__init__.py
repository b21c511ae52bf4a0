"""``kiosk eval``: the kiosk's answers on labelled real recordings, as figures with their n.

``manifest`` reads and checks a manifest (``tests/eval/FORMAT.md``); ``media``
finds each recording (a file, or a member of a registry package fetched into
the cache); ``runner`` analyses each take as an upload and scores it;
``metrics`` holds the pure figure functions; ``table`` prints the tables or
the JSON document; ``command`` is the command line (``kiosk eval``, or
``python -m kiosk.evaluation`` on a copy of older code without that command).

Nothing is imported here, so that the command line stays quick to start.
"""
