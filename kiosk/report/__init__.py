"""Report: how a take's analysis is presented.

- :mod:`~kiosk.report.take_report` builds the scored report of a take, a
  :class:`~kiosk.report.document.TakeReport` (:mod:`~kiosk.report.document`:
  typed, frozen, and its versioned JSON form, ``take_report.schema.json``);
- :mod:`~kiosk.report.html` lays it out as one HTML page from the Jinja2
  templates in ``templates/`` (the timeline laid out by :mod:`~kiosk.report.timeline`);
- :mod:`~kiosk.report.body_json` and :mod:`~kiosk.report.voice_json` write the
  full analysis (``kiosk/body-analysis`` schema), :mod:`~kiosk.report.text`
  its tables for the terminal;
- :mod:`~kiosk.report.progress` follows stored takes over time, and
  :mod:`~kiosk.report.overlay` draws the live preview's landmarks.
"""
