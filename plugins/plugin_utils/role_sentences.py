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
    "prepare_service_hours_warning": N_(
        "WARNING: it is {time}, inside service hours ({window}). Operators are serving citizens: the SIAK server "
        "restarts at steps 6 and 8 and the client PCs at step 10. Prefer a time after service hours."
    ),
    "prepare_inside_service_hours": N_(
        "Langkah 1 (prepare): it is {time}, inside service hours ({window}). Nothing was changed. Run the "
        "upgrade after service hours, or set upgrade_prepare_refuse_in_service_hours to false to be warned only."
    ),
    # roles/upgrade_prepare: step 1 on each host (its problems stop the run; its notes are for the operator's
    # screen and the published result, the Laporan shows the finding's own word).
    "prepare_server_down": N_(
        "the server is down (no answer on {address}:{port}) and has no power-on method: switch it on by hand, or "
        "set siak_server_power_method (wol, ipmi, redfish or command)"
    ),
    "prepare_path_missing": N_("{path} is missing"),
    "prepare_path_low": N_("{path} has {free} MiB free, {needed} needed"),
    "prepare_note_vm_off": N_("off: step 4 starts it ({backend} on {hypervisor})"),
    "prepare_note_down": N_("down: step 2 switches it on ({method})"),
    "prepare_note_offline": N_("offline: step 10 reports it as offline; a rerun picks it up"),
    "prepare_note_no_answer": N_("does not answer"),
    "prepare_note_windows": N_("Windows: free space is checked by the step that installs on it"),
    "prepare_note_login_refused": N_("answers but refused the login as {user}"),
    "prepare_note_login_refused_step_3": N_("answers but refused the login as {user}: step 3 will stop"),
    "prepare_host_ok": N_("ready"),
    "prepare_not_ready": N_("Langkah 1 (prepare): {problems}. Nothing was changed."),
    # roles/upgrade_prepare: step 1's check of each release artifact on the controller.
    "prepare_artifact_later": N_("checked at step {step} on the target ({location})"),
    "prepare_artifact_missing": N_("missing on the controller"),
    "prepare_artifact_waived": N_("checksum waived ({setting})"),
    "prepare_artifact_no_checksum": N_("no {setting} given"),
    "prepare_artifact_mismatch": N_("sha256 is {found}, the inventory says {expected}"),
    "prepare_artifact_matches": N_("sha256 matches"),
    "prepare_artifact_problem": N_("{host} {role} artifact {artifact}: {note}"),
    # roles/upgrade_prepare: step 1's trial on the Server cadangan.
    "trial_row": N_("Trial {host}: {result} ({components}; health {health})"),
    "trial_row_why": N_("Trial {host}: {result} ({components}; health {health}): {reason}"),
    "trial_none": N_(
        "Trial: no Server cadangan (siak_trial_servers) in the inventory; no trial on a real server."
    ),
    "trial_failed": N_(
        "Langkah 1 (uji coba): the trial on the Server cadangan failed: {reasons}. No production host was "
        "changed: the real upgrade does not go ahead. Fix the release or the Server cadangan and rerun; if the "
        "office decides to upgrade without the trial, rerun with -e 'siak_upgrade_skip_trial_reason=\"<why>\"' "
        "(the reason is recorded in the Jadwal uji coba)."
    ),
    # roles/siak_server: SOP-PIAK-15 steps 2 to 4 (power on the physical server, log in, start the SIAK VM).
    "server_down_no_power": N_(
        "{host}: Langkah 2 (start the server): the server is down (no answer on {address}:{port} within {timeout} s) "
        "and has no power-on method. Switch it on by hand and rerun, or set siak_server_power_method (wol, ipmi, "
        "redfish or command) for {host} in the inventory."
    ),
    "server_no_answer_after_power": N_(
        "{host}: Langkah 2 (start the server): switched on by {method} ({via}), but no answer on {address}:{port} "
        "over {protocol} within {timeout} s. {check} Then rerun (siak_server_boot_timeout sets the wait)."
    ),
    "server_power_via_wol": N_("a magic packet for {mac} to {broadcast}:{port}"),
    "server_power_via_ipmi": N_("the BMC at {address}:{port}"),
    "server_power_via_redfish": N_("the Redfish service at https://{address}"),
    "server_power_via_command": N_("the power-on command"),
    "server_check_wol": N_(
        "Check that siak_server_wol_mac is the MAC of the server's network card, that Wake-on-LAN is enabled in its "
        "BIOS and network card, and that the broadcast address reaches its network; then look at the server's "
        "console and power."
    ),
    "server_check_bmc": N_(
        "Check the server's console through its BMC: is it on, did it boot, does SSH or WinRM run?"
    ),
    "server_check_command": N_("Check siak_server_power_command and the server's console and power."),
    "server_power_command_empty": N_(
        "{host}: Langkah 2 (start the server): siak_server_power_method is command but siak_server_power_command "
        "is empty. Set the command that switches the server on."
    ),
    "server_power_command_failed": N_(
        "{host}: Langkah 2 (start the server): the power-on command failed ({answer}). Check "
        "siak_server_power_command, or switch the server on by hand and rerun."
    ),
    "server_ipmi_settings_empty": N_(
        "{host}: Langkah 2 (start the server): siak_server_power_method is ipmi but siak_server_ipmi_address, "
        "siak_server_ipmi_user or siak_server_ipmi_password is empty. Set the BMC's address and user in the "
        "inventory and its password in the vault (siak_server_ipmi_password)."
    ),
    "server_ipmi_failed": N_(
        "{host}: Langkah 2 (start the server): the BMC at {address}:{port} {why} ({said}). {fix}"
    ),
    "server_bmc_refused_login": N_("refused the login of {user}"),
    "server_bmc_no_answer": N_("did not answer"),
    "server_bmc_not_switched_on": N_("did not switch the server on"),
    "server_ipmi_fix_login": N_(
        "Check siak_server_ipmi_user in the inventory and its password (siak_server_ipmi_password) in the vault "
        "against the BMC's users."
    ),
    "server_ipmi_fix_reach": N_(
        "Check that the BMC is on the network and reachable from the controller (UDP port {port}), that IPMI over "
        "LAN is enabled in its settings, and siak_server_ipmi_address."
    ),
    "server_redfish_settings_empty": N_(
        "{host}: Langkah 2 (start the server): siak_server_power_method is redfish but siak_server_redfish_address, "
        "siak_server_redfish_user or siak_server_redfish_password is empty. Set the BMC's Redfish address and user "
        "in the inventory and its password in the vault (siak_server_redfish_password)."
    ),
    "server_redfish_not_asked": N_(
        "{host}: Langkah 2 (start the server): the Redfish service at https://{address} {why} ({said}). {fix}"
    ),
    "server_redfish_untrusted": N_("presented a certificate the controller does not trust"),
    "server_redfish_no_power_state": N_(
        "did not tell the power state of system {system} (its systems: {systems})"
    ),
    "server_redfish_only_system": N_("(the only one)"),
    "server_redfish_fix_cert": N_(
        "Give the CA that signed the BMC's certificate in siak_server_redfish_ca_path or add it to the controller's "
        "CA store, or have the BMC's certificate replaced by one your CA signed; check that the address matches "
        "the certificate."
    ),
    "server_redfish_fix_cert_given": N_(
        "Give the CA that signed the BMC's certificate in siak_server_redfish_ca_path (now {ca_path}) or add it to "
        "the controller's CA store, or have the BMC's certificate replaced by one your CA signed; check that the "
        "address matches the certificate."
    ),
    "server_redfish_fix_login": N_(
        "Check siak_server_redfish_user in the inventory and its password (siak_server_redfish_password) in the "
        "vault."
    ),
    "server_redfish_fix_reach": N_(
        "Check that the BMC is reachable from the controller over HTTPS, siak_server_redfish_address and "
        "siak_server_redfish_system_id."
    ),
    "server_redfish_power_on_failed": N_(
        "{host}: Langkah 2 (start the server): the Redfish service at https://{address} was asked to power system "
        "{system} on and answered {answer}. Check the BMC's user rights (it must be allowed to control power) and "
        "its event log."
    ),
    "server_wol_bad_mac": N_(
        "{host}: Langkah 2 (start the server): siak_server_power_method is wol but siak_server_wol_mac ('{mac}') is "
        "not a MAC address such as 52:54:00:12:34:56. Set the server's MAC address in the inventory."
    ),
    "server_login_failed": N_("{host}: Langkah 3 (log in): {why} ({said}). {fix}"),
    "server_login_refused": N_("the server refused the login as {user}"),
    "server_login_impossible": N_("could not log in as {user}"),
    "server_login_fix_credentials": N_(
        "Check ansible_user and its key or vaulted password (ansible_password) for this host in the inventory."
    ),
    "server_login_fix_reach": N_("Check that the server is up (step 2) and its SSH or WinRM service runs."),
    "server_become_refused": N_(
        "{host}: Langkah 3 (log in): logged in as {user}, but become was refused ({said}). Check "
        "ansible_become_password in the vault and the user's sudo rights."
    ),
    "vm_hypervisor_missing": N_(
        "{host}: Langkah 4 (start the VM): its hypervisor '{hypervisor}' is not in the inventory. Set "
        "siak_server_hypervisor for this VM to the physical server that runs it (group hypervisors)."
    ),
    "vm_asked_port": N_("its port {address}:{port}"),
    "vm_port_answers": N_("answers on {address}:{port}"),
    "vm_port_silent": N_("no answer on {address}:{port}"),
    "vm_state_unclear": N_(
        "{host}: Langkah 4 (start the VM): {backend} on {hypervisor} was asked about VM '{vm}' ({asked}) and "
        "answered {answer}, which is state '{state}'. {fix}"
    ),
    "vm_fix_wait_shutdown": N_("Wait until it has shut down and rerun."),
    "vm_fix_certificate": N_(
        "The API's certificate is not trusted: give the CA that signed it in siak_server_hypervisor_ca_path or add "
        "it to the controller's CA store, or have the certificate replaced by one your CA signed."
    ),
    "vm_fix_settings": N_(
        "Check siak_server_vm_name and siak_server_vm_backend for this VM, and that the hypervisor runs."
    ),
    "vm_never_answered": N_(
        "{host}: Langkah 4 (start the VM): the VM did not answer over {protocol} within {timeout} s. Backend "
        "{backend} on {hypervisor} said the VM was '{state}' ({asked}: {answer}); {started}; {address}:{port} "
        "{port_now}; the last error was: {error}. Look at the VM's console on the hypervisor; raise "
        "siak_server_vm_wait_timeout if it only boots slowly."
    ),
    "vm_it_ran": N_("it ran {command} and that answered {answer}"),
    "vm_not_started_again": N_("it was not started again"),
    "vm_port_accepts": N_("accepts connections"),
    "vm_port_refuses": N_("does not accept connections"),
    "vm_not_started_in_check": N_(
        "Trial run (check mode): {host} is {state}; a real run starts it with {command} on {hypervisor}. Steps 5 "
        "to 8 are not rehearsed on a VM that is not running."
    ),
    "vm_command_refused": N_(
        "{host}: Langkah 4 (start the VM): {backend} on {hypervisor} ran {command} and answered {answer}. Check the "
        "VM on the hypervisor (siak_server_vm_name '{vm}')."
    ),
    "vm_hyperv_refused": N_(
        "{host}: Langkah 4 (start the VM): Hyper-V on {hypervisor} ran {command} and answered {answer}{error}. "
        "Check the VM's name (siak_server_vm_name '{vm}') with Get-VM on the hypervisor."
    ),
    "vm_proxmox_settings_empty": N_(
        "{host}: Langkah 4 (start the VM): siak_server_vm_backend is proxmox but one of "
        "siak_server_proxmox_api_host, siak_server_proxmox_api_user, siak_server_proxmox_api_token_id, "
        "siak_server_proxmox_node (inventory) or siak_server_proxmox_api_token_secret (vault) is empty. Create an "
        "API token for a user with the VM.PowerMgmt and VM.Audit rights on this VM and set them."
    ),
    "vm_proxmox_refused": N_(
        "{host}: Langkah 4 (start the VM): Proxmox VE at {api_host} (node {node}) was asked to start VM '{vm}' and "
        "answered {answer}. Check the VM in the Proxmox web interface (its task log) and the token's rights "
        "(VM.PowerMgmt)."
    ),
    "vm_vmware_settings_empty": N_(
        "{host}: Langkah 4 (start the VM): siak_server_vm_backend is vmware but siak_server_vmware_hostname, "
        "siak_server_vmware_username (inventory) or siak_server_vmware_password (vault) is empty. Set the ESXi host "
        "or vCenter and a user allowed to power the VM on."
    ),
    "vm_vmware_refused": N_(
        "{host}: Langkah 4 (start the VM): VMware at {api_host} was asked to power on VM '{vm}' and answered "
        "{answer}. Check the VM in the vSphere client (its tasks and events) and the user's rights "
        "(VirtualMachine.Interact.PowerOn)."
    ),
    "vm_powered_on": N_("powered on"),
    # Words the siak_server sentences' values use.
    "server_controller_user": N_("(the controller user)"),
    "no_answer": N_("no answer"),
    "nothing": N_("nothing"),
    "server_none": N_("none"),
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
    "backup_windows_volume_not_ready": N_(
        "{host}: Langkah 5 (copy_to_spare): the volume {volume} of {name} is not ready: plug in the disk and rerun. "
        "Nothing was copied."
    ),
    "backup_windows_only_script": N_(
        "{host}: Langkah 1 (prepare_backup): on a Windows server the backup runs the office's backup.bat "
        "(oracle_backup_method=script) and copies to local disks (destinations of type path) without encryption; "
        "retention is not applied there: set oracle_backup_retention=false and remove old folders by hand. Asked "
        "for: method {method}, retention {retention}, destinations {types}{encryption}. Nothing was changed."
    ),
    "backup_encryption": N_(", encryption"),
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
