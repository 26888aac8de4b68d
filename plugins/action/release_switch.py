# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module release_switch; a lost connection is a failure the role rescues (plugin_utils/release_remote)."""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_SWITCH,
    ChangingReleaseAction,
)


class ActionModule(ChangingReleaseAction):
    MODULE = "dukcapil.siak.release_switch"
    WHAT = THE_SWITCH
