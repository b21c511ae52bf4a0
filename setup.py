"""Only what pyproject.toml cannot say: the top-level ``calibration/`` folder is installed as ``kiosk.profiles``.

The design card keeps the site profiles at the top of the repository, where a
trainer finds and edits them; an installed kiosk must still carry them.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["kiosk*"]), "kiosk.profiles"],
    package_dir={"kiosk.profiles": "calibration"},
)
