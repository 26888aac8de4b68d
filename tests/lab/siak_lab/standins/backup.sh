#!/bin/sh
# LAB STAND-IN for an office's own backup script (backup.bat on the Windows servers of the SOP).
# Like the office's, it keeps its own parfile (with the credentials, mode 0600) beside itself and runs
# Data Pump with it; the role runs it exactly as the SOP says: open it and run it.
set -eu
cd "$(dirname "$0")"
exec "${ORACLE_HOME:-/opt/oracle/product/19c/dbhome_1}/bin/expdp" parfile=backup.par
