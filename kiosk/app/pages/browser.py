"""The page ``browser`` (run by ``st.navigation`` in :func:`kiosk.app.main`)."""

from kiosk.app import browser
from kiosk.app.common import current_choices

browser.page(current_choices())
