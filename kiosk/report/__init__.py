"""Report: how a take's analysis is presented (text table, JSON)."""
