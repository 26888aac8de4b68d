# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the siak_sop package importable from the collection's plugins.

The SOP tables and their loader live once, in src/siak_sop, which the collection ships. Where the
package is installed (the checkout's venv, the AWX execution environment) that copy is used;
otherwise the plugins read the copy inside the installed collection.
"""

from __future__ import annotations

import os
import sys


def ensure_siak_sop():
    try:
        import siak_sop
    except ImportError:
        here = os.path.dirname(os.path.abspath(__file__))
        src = os.path.normpath(os.path.join(here, "..", "..", "src"))
        if os.path.isdir(os.path.join(src, "siak_sop")) and src not in sys.path:
            sys.path.append(src)
    import siak_sop  # pylint: disable=import-outside-toplevel

    return siak_sop
