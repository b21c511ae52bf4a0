"""The page ``progress`` (run by ``st.navigation`` in :func:`kiosk.app.main`)."""

from kiosk.app import workshops
from kiosk.app.common import current_choices

workshops.trainee_page(current_choices())
