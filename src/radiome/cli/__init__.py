"""The ``radiome`` command line: a thin layer over the library."""
