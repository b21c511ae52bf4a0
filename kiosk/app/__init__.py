"""Streamlit pages of the kiosk (run with ``streamlit run streamlit_app.py``)."""

from kiosk.app.upload import main

__all__ = ["main"]
