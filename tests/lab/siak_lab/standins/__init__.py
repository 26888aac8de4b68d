"""Stand-ins for what a real office runs and the lab cannot.

``server.py`` is a small HTTP server that is shipped inside every release it belongs to (the SIAK
application and proxy); ``builder.py`` makes release artifacts (tar.gz or zip plus a sha256 file) that
carry it. ``oracle_export.py`` stands in for Oracle's expdp and exp, ``backup.sh`` for an office's backup
script (tests/lab/oracle_standin.yml installs them on the database server; never outside a lab).
"""
