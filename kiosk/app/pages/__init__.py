"""The kiosk's pages, one file each, run by ``st.navigation`` (see :func:`kiosk.app.main`).

Each file only calls its page's function with the sidebar's choices: the
pages themselves live in ``kiosk.app.practice``, ``browser``, ``upload`` and
``workshops``. They are files (not functions) so that Streamlit's test
harness can switch to them like a browser does.
"""
