# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes every POSIX-only module of the backup SOP shares: full check mode, no diff."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: In check mode the module says what it would change and changes nothing.
    support: full
  diff_mode:
    description: The module returns no diff.
    support: none
  platform:
    description: The managed hosts it runs on.
    support: full
    platforms: posix
"""
