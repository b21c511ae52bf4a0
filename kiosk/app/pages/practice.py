"""The page ``practice`` (run by ``st.navigation`` in :func:`kiosk.app.main`)."""

from kiosk.app import practice
from kiosk.app.common import current_choices

practice.page(current_choices())
