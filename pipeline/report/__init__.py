"""The catalog report: a self-contained HTML page of charts over the warehouse views."""
