"""The page ``upload`` (run by ``st.navigation`` in :func:`kiosk.app.main`)."""

from kiosk.app import upload
from kiosk.app.common import current_choices

upload.page(current_choices())
