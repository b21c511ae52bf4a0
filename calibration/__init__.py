"""The site profiles: data, not code.

This folder holds the calibration profiles (``default.toml`` and one per kind
of site). It has this file only so that an installed kiosk carries the
profiles with it: setup.py installs the folder as the package
``kiosk.profiles``, and ``kiosk.calibration`` finds the files there.
"""
