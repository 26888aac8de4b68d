#!/usr/bin/env bash
# Runs shellcheck on every shell script of the repository (those the collection and the bundle ship among them),
# and the shell templates rendered with example values (what lands on a host). ansible-test sanity
# runs shellcheck again on the built tarball's *.sh files.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
out=build/shellcheck
rm -rf "$out" && mkdir -p "$out"
mapfile -t scripts < <(git ls-files --cached --others --exclude-standard -- '*.sh' .ci/run)
# The schedule's wrapper template is rendered for each job it serves: the daily backup (no wait for the
# lock) and the monthly restore drill (waits for it).
jobs=(
  '{"name": "siak-backup", "log": "/var/log/siak-backup.log", "wait_s": 0, "title": "SIAK database backup SOP",
    "command": "/opt/siak/venv/bin/siak-sop run backup -i inventory.yml", "shown": "siak-sop run backup -i inventory.yml"}'
  '{"name": "siak-restore-drill", "log": "/var/log/siak-restore-drill.log", "wait_s": 21600,
    "title": "SIAK backup restore drill",
    "command": "SIAK_LAPORAN_WHEN=always /opt/siak/venv/bin/ansible-playbook playbooks/restore_drill.yml",
    "shown": "ansible-playbook playbooks/restore_drill.yml"}'
)
for template in $(git ls-files --cached --others --exclude-standard -- '*.sh.j2'); do
  for job in "${jobs[@]}"; do
    name=$(python -c 'import json, sys; print(json.loads(sys.argv[1])["name"])' "$job")
    rendered="$out/$name-$(basename "$template" .j2)"
    ansible localhost -c local -i localhost, -e "ansible_python_interpreter=$(command -v python)" \
      -m ansible.builtin.template -a "src=$repo/$template dest=$repo/$rendered" \
      -e '{"schedule_backup_lock": "/run/siak-backup.lock", "schedule_backup_project_dir": "/opt/siak/project",
           "schedule_backup_siak_sop": "/opt/siak/venv/bin/siak-sop", "schedule_backup_output_dir": "/var/lib/siak-sop"}' \
      -e "{\"__job\": $job}" \
      >/dev/null
    scripts+=("$rendered")
  done
done
[ "${#scripts[@]}" -ge 5 ] || { echo "shellcheck: found only ${scripts[*]}" >&2; exit 1; }
shellcheck --severity=style "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
