"""Reports: figure style, report data model and HTML rendering."""
