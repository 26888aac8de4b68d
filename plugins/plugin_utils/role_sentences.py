# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sentences the roles' YAML tasks say to an operator, by key, as catalogue messages.

A task says one with the `dukcapil.siak.said` filter: `{{ 'rollback_done' | dukcapil.siak.said(host=...,
...) }}`. The words live here only (the catalogue's extraction reads Python, not YAML), and the filter says
them in the run's language (i18n.run_lang), so a message a role publishes to the agenda is in the language
of the run's Laporan. A value named `label` is a release's label (release_plan.label_of: the roles' own
labels are said in the reader's language too). Keys are grouped by role; a key no table has is a
programming fault and fails the task.
"""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_

SENTENCES = {
    # roles/release: a release (SOP-PIAK-15 steps 5 to 8 on the server).
    "release_updated": N_("{host}: {label} {from_version} -> {version} is current and healthy ({folder})."),
    "release_installed": N_("{host}: {label} {version} is current and healthy ({folder})."),
    "release_already_current": N_("{host}: {label} is already at version {version}; nothing was replaced."),
    "release_already_current_healthy": N_(
        "{host}: {label} is already at version {version}, found running and healthy; nothing was replaced."
    ),
    "release_health_not_known": N_("Whether it runs is not known: no health check is configured."),
    "release_other_artifact": N_(
        "The installed files come from a different artifact (checksum); rerun with force to reinstall them."
    ),
    "release_current_now": N_("{host}: {label} {version} is current; nothing was replaced."),
    "release_current_now_healthy": N_(
        "{host}: {label} {version} is current, running and healthy; nothing was replaced."
    ),
    "release_current_repaired": N_(
        "{host}: {label} {version} is current: it was not running or not healthy ({why}), so it was started "
        "and checked, and it is healthy now; nothing was replaced."
    ),
    "release_cut_after_switch": N_("an earlier run was cut off after its switch"),
    "release_needs_open": N_(
        "{host}: Langkah {step} needs Langkah {open_step} of the same run (it checks the artifact, the disk "
        "and the current version). Run both, for example --tags {tags}."
    ),
    "release_would_replace": N_(
        "{host}: would replace {label} {from_version} with {version} in {root}/releases/{name}; nothing "
        "changes in check mode."
    ),
    "release_windows_zip_only": N_(
        "{host}: Langkah {step}: on Windows the artifact must be a .zip (Expand-Archive), not {artifact}. "
        "Nothing was changed."
    ),
    "release_restore_unfinished": N_("(the restore did not finish: {error}; the next run tries again)"),
    "release_switch_failed": N_("the switch failed"),
    "release_restore_failed": N_("the restore failed"),
    "release_did_not_come_up": N_("it did not come up"),
    # playbooks/rollback.yml (roles/release/tasks/rollback.yml).
    "rollback_not_complete": N_(
        "{host}: cannot roll the {label} back: release {want} is not a complete release under "
        "{root}/releases. Releases there: {releases}. Nothing was changed. Name one with rollback_to."
    ),
    "rollback_no_previous": N_(
        "{host}: cannot roll the {label} back: there is no previous release under {root}. Releases there: "
        "{releases}. Nothing was changed. Name one with rollback_to."
    ),
    "rollback_already_current": N_("{host}: {label} release {want} is already current; nothing to do."),
    "rollback_would_switch": N_(
        "{host}: would switch the {label} from {from_release} back to {want}; nothing changes in check mode."
    ),
    "rollback_done": N_(
        "{host}: {label} rolled back from {from_release} to {want} (version {version}); it is current and "
        "healthy."
    ),
    "rollback_failed": N_('{host}: rolling the {label} back to {want} failed at "{task}": {error}.'),
    "rollback_put_back": N_("The release left was put back: {release} is current again."),
    "rollback_what_next": N_(
        "Read where current points with {look}; roll to another release with rollback_to, or fix the service "
        "and run this again."
    ),
    # roles/upgrade_prepare: step 1's checks on the controller.
    "prepare_trial_in_production": N_(
        "Langkah 1 (prepare): {hosts} is in siak_trial_servers (the Server cadangan) and also in siak_servers or "
        "siak_proxies. Nothing was changed. The trial runs steps 5 to 8 on the Server cadangan before "
        "production; put only the spare server in siak_trial_servers (see docs/server-upgrade.md)."
    ),
    "prepare_skip_without_reason": N_(
        "Langkah 1 (prepare): siak_upgrade_skip_trial_reason is set but gives no reason ({given}). Nothing was "
        "changed. Write why the real upgrade may go ahead without the trial on the Server cadangan, for example "
        "-e 'siak_upgrade_skip_trial_reason=\"Server cadangan sedang diperbaiki\"', or leave it unset to run "
        "the trial."
    ),
    "prepare_no_release": N_(
        "Langkah 1 (prepare): no release configured for {names}. Set them in the inventory "
        "(group_vars/siak_servers.yml, group_vars/siak_proxies.yml); see docs/runbook-upgrade.md."
    ),
    "prepare_bad_artifact": N_(
        "Langkah 1 (prepare): {problems}. Nothing was changed. Put the right release file on the controller and "
        "its sha256 (sha256sum FILE) in the inventory, then rerun."
    ),
    "prepare_inside_service_hours": N_(
        "Langkah 1 (prepare): it is {time}, inside service hours ({window}). Nothing was changed. Run the "
        "upgrade after service hours, or set upgrade_prepare_refuse_in_service_hours to false to be warned only."
    ),
    # roles/upgrade_prepare: step 1's trial on the Server cadangan.
    "trial_none": N_(
        "Trial: no Server cadangan (siak_trial_servers) in the inventory; no trial on a real server."
    ),
    "trial_failed": N_(
        "Langkah 1 (uji coba): the trial on the Server cadangan failed: {reasons}. No production host was "
        "changed: the real upgrade does not go ahead. Fix the release or the Server cadangan and rerun; if the "
        "office decides to upgrade without the trial, rerun with -e 'siak_upgrade_skip_trial_reason=\"<why>\"' "
        "(the reason is recorded in the Jadwal uji coba)."
    ),
    # roles/client_rollout: a workstation's update that failed without a message of its own.
    "failed": N_("failed"),
    # roles/oracle_backup: the daily backup of the Oracle database (the backup SOP's steps 1 to 6).
    "backup_step_failed": N_("{host}: Langkah {number} ({step}) failed: {why}. {fix}"),
    "backup_fix_prepare_backup": N_(
        "Free space on the backup volume or wait for the other run; then run the backup again."
    ),
    "backup_fix_run_export": N_(
        "Read the export log quoted above, fix the database-side cause, and run the backup again; older backups "
        "are untouched."
    ),
    "backup_fix_open_backup_folder": N_(
        "Check that the directory object points at oracle_backup_export_dir, then run the backup again."
    ),
    "backup_fix_make_dated_folder": N_(
        "Check the permissions and free space of oracle_backup_root, then run the backup again."
    ),
    "backup_fix_copy_to_spare": N_(
        "Plug in and mount the destination or free space on it, then run the backup again; the backup on the "
        "server is kept."
    ),
    "backup_fix_record_daily_agenda": N_("Check that the reports folder on the controller is writable."),
    "backup_settings_incomplete": N_(
        "{host}: Langkah 1 (prepare_backup): the backup settings are incomplete: the method needs {needs}, schemas "
        "or full, an absolute oracle_backup_root, and destinations with unique names, a type of path, smb or ssh, "
        "and a host for ssh. See roles/oracle_backup/README.md."
    ),
    "backup_needs_login": N_("oracle_backup_db_user and oracle_backup_db_password (from vault)"),
    "backup_check_mode": N_(
        "Check mode: would export with {method} into {dump}, move it to a new folder under {root} named by "
        "{pattern}, and copy it to {destinations}. Not rehearsed: the export itself, reading the copies back and "
        "retention, which need the real dump. Nothing was changed."
    ),
    "backup_no_destination": N_("no destination"),
    "backup_windows_only_script": N_(
        "{host}: Langkah 1 (prepare_backup): on a Windows server the backup runs the office's backup.bat "
        "(oracle_backup_method=script) and copies to local disks (destinations of type path) without encryption; "
        "retention is not applied there: set oracle_backup_retention=false and remove old folders by hand. Asked "
        "for: method {method}, retention {retention}, destinations {types}{encryption}. Nothing was changed."
    ),
    "backup_encryption": N_(", encryption"),
    "backup_lock_taken_over": N_("{host}: took over the backup lock: {holder}"),
    "backup_cleaned_up": N_("{host}: cleaned up after a run that was cut off: {what}"),
    # What a cut-off run left (the `what` of the published `cleaned` list, named as the Laporan names it).
    "backup_left_lock": N_("lock"),
    "backup_left_export_process": N_("export process"),
    "backup_left_data_pump_job": N_("Data Pump job"),
    "backup_left_parameter_file": N_("parameter file"),
    "backup_left_partial_folder": N_("partial folder"),
    "backup_verify_no_backup": N_("{host}: no backup with a manifest in {root} to check"),
    "backup_verify_good": N_("{host}: {folder} verified on the server and every destination"),
    "backup_verify_damaged": N_(
        "{host}: backup {folder} is damaged or missing: {problems}. Make a new backup and copy it again; do not "
        "rely on the damaged copy"
    ),
    "backup_inside_service_hours": N_(
        "{host}: Langkah 1 (prepare_backup): it is {time} ({timezone}), inside service hours ({window}). The SOP "
        "backs up after service hours end: run it later, or set oracle_backup_force=true if the backup cannot wait."
    ),
    "backup_inside_service_hours_windows": N_(
        "{host}: Langkah 1 (prepare_backup): it is {time}, inside service hours ({window}). Run it after service "
        "hours, or set oracle_backup_force=true."
    ),
    "backup_no_room": N_(
        "{mount_point} has {free} MiB free; the export needs about {needed} MiB (the last dump plus {margin}%)"
    ),
    "backup_no_room_first": N_(
        "{mount_point} has {free} MiB free; the export needs about {needed} MiB (oracle_backup_min_free_mib: there "
        "is no earlier verified backup)"
    ),
    "backup_dump_missing": N_("the export reported success but {dump} is missing"),
    "backup_dump_empty": N_("the export reported success but {dump} is empty"),
    "backup_dump_older": N_("the export reported success but {dump} is older than this run"),
    "backup_dump_no_log": N_("the export reported success but {dump} has no log beside it"),
    "backup_dump_missing_or_empty": N_("the export reported success but {dump} is missing or empty"),
    "backup_dump_not_this_run": N_(
        "the dump in {folder} was made by an export this run did not run, and its log does not show success: "
        "{reason}. Run the backup with its run_export step first"
    ),
    "backup_dated_needs_step_3": N_(
        "step 4 needs step 3 (open_backup_folder) in the same run, which finds and judges the dump it moves: run "
        "it with --tags open_backup_folder,make_dated_folder"
    ),
    "backup_copy_does_not_match": N_("{name}: the copy does not match the dump"),
    "backup_nothing_left": N_("{host}: nothing was left by a cut-off run"),
    "backup_export_dir_missing": N_("the export directory {folder} does not exist"),
    "backup_export_dir_missing_object": N_(
        "the export directory {folder} does not exist (it is the path of the Oracle directory object {object})"
    ),
    "backup_export_failed": N_(
        "the export failed: {reason}. No backup folder was made and older backups are untouched; the log stays "
        "at {log}"
    ),
    "backup_export_failed_detail": N_(
        "the export failed: {reason} ({detail}). No backup folder was made and older backups are untouched; the "
        "log stays at {log}"
    ),
    "backup_export_failed_windows": N_("the export failed: {reason}. No backup folder was made"),
    "backup_datapump_check_failed": N_(
        "Data Pump's own check of the dump failed (impdp VERIFY_ONLY=YES): {reason}. No backup folder was made "
        "and older backups are untouched"
    ),
    "backup_exp_warnings_count": N_(
        "{host}: {reason} (oracle_backup_exp_warnings=warn: the backup counts, with this warning)"
    ),
    "backup_no_verified_to_copy": N_(
        "there is no verified backup in {root} to copy: run steps 2 to 4 first "
        "(--tags run_export,open_backup_folder,make_dated_folder)"
    ),
    "backup_copies_failed": N_(
        "{errors}. The backup {folder} on the server is kept and verified; retention was not applied"
    ),
    "backup_ended_verified": N_(
        "{host}: backup verified; Laporan Data Backup Database: siak-sop report {run_id}"
    ),
    "backup_ended_warning": N_(
        "{host}: backup made with a warning (the export's); Laporan Data Backup Database: siak-sop report {run_id}"
    ),
    "backup_ended_partial": N_(
        "{host}: backup partial (this run made no dated folder); Laporan Data Backup Database: siak-sop report "
        "{run_id}"
    ),
    "backup_ended_failed": N_(
        "{host}: backup failed; Laporan Data Backup Database: siak-sop report {run_id}"
    ),
    "backup_damaged_found": N_(
        "{host}: damaged backups found: {found}. Check that disk and make a new backup"
    ),
    "backup_damaged_kept": N_(
        "{place}: {names}, kept for inspection: fewer than {keep_daily} good backups there"
    ),
    "backup_damaged_removed": N_("{place}: {names}, removed: {count} good backups remain there"),
    "backup_drill_passed": N_(
        "{host}: restore drill passed for {folder}; the Laporan Uji Pemulihan: {report}"
    ),
    "backup_drill_failed": N_(
        "{host}: restore drill FAILED for {folder}: {problems}. Make a new backup and run the drill again; the "
        "Laporan Uji Pemulihan: {report}"
    ),
    "backup_drill_dump_mismatch": N_("the restored dump does not match its manifest {error}"),
    "backup_drill_parse_not_run": N_("not run: the restored dump does not match its manifest"),
    "backup_drill_not_run": N_("not run"),
    "backup_drill_no_backup": N_("no backup"),
    "backup_drill_nothing_to_drill": N_("there is no backup with a manifest in {root} to drill"),
    # playbooks/schedule_backup.yml: the backup's and the restore drill's schedule on the control node.
    "schedule_bad_method_or_state": N_(
        "{host}: schedule_backup_method must be auto, systemd or cron (got {method}) and schedule_backup_state "
        "present or absent (got {state})."
    ),
    "schedule_removed": N_("Removed the backup schedule."),
    "schedule_installed": N_(
        "Backup daily at {time} {zone} ({timezone}) by {by}, running {wrapper}; log {log}"
    ),
    "schedule_by_backup_timer": N_("the systemd timer siak-backup.timer"),
    "schedule_by_drill_timer": N_("the systemd timer siak-restore-drill.timer"),
    "schedule_drill": N_(". Restore drill monthly on day {day} at {time} {zone} by {by}; log {log}"),
    "schedule_no_drill": N_(". No restore drill scheduled (schedule_backup_drill: false)"),
    # Words a sentence's values use.
    "none": N_("(none)"),
    "no_releases": N_("none"),
}
