# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module backup_folder and say why a backup folder is damaged, or cannot be made or removed, in the
run's language: the module on the managed host returns its reasons' catalogue messages and values
(module_utils/release.Reason), said here through plugin_utils/release_remote, so the damaged copies named in the
agenda, the Laporan and the restore drill's Laporan are in the run's language."""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_FOLDER,
    ReasonedModuleAction,
)


class ActionModule(ReasonedModuleAction):
    MODULE = "dukcapil.siak.backup_folder"
    WHAT = THE_FOLDER
