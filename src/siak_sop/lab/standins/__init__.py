"""Stand-ins for what a real office runs and the lab cannot: the SIAK application and proxy.

``server.py`` is a small HTTP server that is shipped inside every release it belongs to; ``builder.py``
makes release artifacts (tar.gz or zip plus a sha256 file) that carry it.
"""
