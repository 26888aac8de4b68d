# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option and attributes of the release modules that change a server (release_unpack, release_switch)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  lock:
    description:
      - Set by the action - the upgrade lock this run holds (path, token). The module records its process under
        it (M(dukcapil.siak.run_lock) C(state=attached)) and changes nothing when the run no longer holds it.
    type: dict
attributes:
  check_mode:
    description: Not supported; the release role's check mode says what it would stage or switch instead.
    support: none
  diff_mode:
    description: The module returns no diff.
    support: none
  platform:
    description: The managed hosts it runs on.
    support: full
    platforms: posix
"""
