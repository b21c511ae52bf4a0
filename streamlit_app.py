"""The kiosk's Streamlit page. Thin on purpose: every step is a call into ``kiosk``."""

from kiosk.app import main

main()
