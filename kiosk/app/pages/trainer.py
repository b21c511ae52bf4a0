"""The page ``trainer`` (run by ``st.navigation`` in :func:`kiosk.app.main`)."""

from kiosk.app import workshops
from kiosk.app.common import current_choices

workshops.trainer_page(current_choices())
