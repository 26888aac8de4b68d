"""What awx/configure_controller.yml creates on an AWX controller for one office, as data.

Pure: from the office's settings (awx/offices.example.yml) and the job-template definitions
(awx/vars/controller.yml) it returns every object's name and settings, consistently named, after
checking the settings with one clear line per mistake. The playbook only hands these to the awx.awx
modules; the plan is also written to a file so a reviewer sees what a run will create. Secrets are
never part of the plan: the playbook passes them from vault straight to the credential modules.
"""

from __future__ import annotations

import re

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said
from ansible_collections.dukcapil.siak.plugins.plugin_utils.schedule import backup_schedule

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
# The groups the playbooks need (docs/lab.md, inventories/example): a host may sit in several.
GROUPS = (
    "physical_servers",
    "hypervisors",
    "virtual_machines",
    "siak_servers",
    "siak_proxies",
    "database_servers",
    "windows_workstations",
    "linux_workstations",
)
REQUIRED_GROUPS = ("siak_servers", "database_servers")
# Groups made of other groups.
PARENTS = {"workstations": ("windows_workstations", "linux_workstations")}
CREDENTIAL_KINDS = ("ssh", "oracle_export", "winrm")


def _where(office: dict) -> str:
    return Said(N_("office {name}"), name=office.get("code") or office.get("name") or "(unnamed)")


def _need(office: dict, key: str, kind: type) -> object:
    value = office.get(key)
    if not isinstance(value, kind) or not value:
        raise SiakError(
            Said(
                N_("'{key}' is missing or not a {kind}"),
                key=key,
                kind="mapping" if kind is dict else kind.__name__,
            ),
            where=_where(office),
            fix=Said(N_("See awx/offices.example.yml")),
        )
    return value


def _groups(office: dict, hosts: dict, defaults: dict) -> list[dict]:
    where = _where(office)
    given = office.get("groups") or {}
    if not isinstance(given, dict):
        raise SiakError(Said(N_("'groups' is not a mapping of group name to a list of hosts")), where=where)
    unknown = sorted(set(given) - set(GROUPS))
    if unknown:
        raise SiakError(
            Said(N_("unknown group(s) {names}"), names=", ".join(unknown)),
            where=where,
            fix=Said(N_("Use the playbooks' groups: {names}"), names=", ".join(GROUPS)),
        )
    for name in REQUIRED_GROUPS:
        if not given.get(name):
            raise SiakError(
                Said(N_("group {name} has no hosts"), name=name),
                where=where,
                fix=Said(N_("Every office needs it")),
            )
    group_vars = {**(defaults.get("group_vars") or {}), **(office.get("group_vars") or {})}
    groups = []
    for name in GROUPS:
        members = given.get(name) or []
        if not isinstance(members, list):
            raise SiakError(Said(N_("group {name} is not a list of host names"), name=name), where=where)
        missing = [h for h in members if h not in hosts]
        if missing:
            raise SiakError(
                Said(
                    N_("group {name} names host(s) {hosts} not listed under 'hosts'"),
                    name=name,
                    hosts=", ".join(map(str, missing)),
                ),
                where=where,
                fix=Said(N_("Add them under hosts, with their ansible_host")),
            )
        groups.append(
            {"name": name, "hosts": list(members), "children": [], "variables": group_vars.get(name, {})}
        )
    for parent, children in PARENTS.items():
        groups.append(
            {"name": parent, "hosts": [], "children": list(children), "variables": group_vars.get(parent, {})}
        )
    return groups


def office_plan(office: dict, templates: list[dict], defaults: dict) -> dict:
    """Every controller object for one office. ``defaults``: project_url, project_branch, ee_name, group_vars."""
    if not isinstance(office, dict):
        raise SiakError(
            Said(N_("an office must be a mapping, got {kind}"), kind=type(office).__name__),
            fix=Said(N_("See awx/offices.example.yml")),
        )
    where = _where(office)
    code = str(_need(office, "code", str))
    if not CODE.match(code):
        raise SiakError(
            Said(N_("code '{code}' must be 2-41 lower-case letters, digits and dashes"), code=code),
            where=where,
            fix=Said(N_("e.g. kab-semarang")),
        )
    name = str(_need(office, "name", str))
    short = str(office.get("short_name") or name)
    hosts = _need(office, "hosts", dict)
    schedule = backup_schedule({**office, "name": code})
    organization = str(office.get("organization") or short)
    prefix = f"SIAK {code}"
    credentials = {
        kind: f"{prefix} | {label}"
        for kind, label in zip(CREDENTIAL_KINDS, ("SSH", "Oracle export", "WinRM"), strict=True)
    }
    notification = f"{prefix} | Gagal"
    notify = office.get("notify") or {}
    if not isinstance(notify, dict):
        raise SiakError(
            Said(N_("'notify' is not a mapping")), where=where, fix=Said(N_("See awx/offices.example.yml"))
        )
    jts = []
    for tpl in templates:
        # A survey may be built from shared lists of questions (YAML anchors): flatten them.
        survey = [q for item in tpl.get("survey") or [] for q in (item if isinstance(item, list) else [item])]
        jts.append(
            {
                "key": tpl["key"],
                "name": f"{prefix} | {tpl['title']}",
                "description": tpl.get("description", ""),
                "playbook": tpl["playbook"],
                "credentials": [credentials[k] for k in tpl.get("credentials", [])],
                "survey_enabled": bool(survey),
                "survey_spec": (
                    {"name": tpl["title"], "description": tpl.get("description", ""), "spec": survey}
                    if survey
                    else {}
                ),
                "ask_limit_on_launch": bool(tpl.get("ask_limit", False)),
                "ask_tags_on_launch": bool(tpl.get("ask_tags", False)),
                "job_tags": tpl.get("job_tags", ""),
            }
        )
    backups = [j for j in jts if j["key"] == "backup"]
    if not backups:
        raise SiakError(
            Said(N_("no job template with key 'backup' to schedule")), where="awx/vars/controller.yml"
        )
    drills = [j for j in jts if j["key"] == "restore_drill"]
    drill = schedule["drill"]
    return {
        "code": code,
        "organization": {"name": organization, "description": name},
        "notification": {
            "name": notification,
            "type": notify.get("type", "email"),
            "configuration": {k: v for k, v in notify.items() if k not in ("type", "password")},
        },
        "project": {
            "name": f"{prefix} | dukcapil.siak",
            "scm_url": office.get("project_url") or defaults["project_url"],
            "scm_branch": office.get("project_branch") or defaults.get("project_branch", "main"),
        },
        "execution_environment": defaults.get("ee_name", "SIAK EE"),
        "inventory": {
            "name": f"{prefix} | {short}",
            "variables": {
                "siak_office": {"name": name, "short_name": short, "timezone": schedule["timezone"]},
                **(office.get("inventory_vars") or {}),
            },
        },
        "hosts": [{"name": h, "variables": v or {}} for h, v in hosts.items()],
        "groups": _groups(office, hosts, defaults),
        "credentials": credentials,
        "job_templates": jts,
        "schedule": {
            # One name whatever the time, so a new backup_time moves this schedule instead of adding one.
            "name": f"{prefix} | Backup harian",
            "unified_job_template": backups[0]["name"],
            "rrule": schedule["rrule"],
            "description": schedule["description"],
            "timezone": schedule["timezone"],
        },
        # The monthly restore drill on the office's restore_drill_day, ten minutes after the backup by
        # default; the drill waits for the backup, which holds the lock, to end (oracle_backup_drill_wait_min)
        # and drills the backup just made. Empty when the controller has no restore_drill template.
        "drill_schedule": (
            {
                "name": f"{prefix} | Uji pemulihan bulanan",
                "unified_job_template": drills[0]["name"],
                "rrule": drill["rrule"],
                "description": drill["description"],
                "timezone": schedule["timezone"],
            }
            if drills
            else {}
        ),
    }


def controller_plan(offices: object, templates: list[dict], defaults: dict) -> list[dict]:
    """The plans of many offices from one variables file; codes and organizations must not clash."""
    if not isinstance(offices, list) or not offices:
        raise SiakError(
            Said(N_("awx_offices is empty or not a list")), fix=Said(N_("See awx/offices.example.yml"))
        )
    plans = [office_plan(o, templates, defaults) for o in offices]
    seen: set[str] = set()
    for plan in plans:
        if plan["code"] in seen:
            raise SiakError(
                Said(N_("office code '{code}' appears twice"), code=plan["code"]),
                fix=Said(N_("Give every office its own code")),
            )
        seen.add(plan["code"])
    return plans
