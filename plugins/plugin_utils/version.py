# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's version, as the Laporan and the Buku Agenda name the software that made them.

galaxy.yml's version; tests/unit/test_collection_metadata.py keeps the two equal.
"""

VERSION = "0.1.0"
