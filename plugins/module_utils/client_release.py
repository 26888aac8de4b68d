# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of a versioned SIAK client install: no I/O, so they are unit-tested without a PC.

Layout on a workstation (after ansistrano): ``<root>/releases/<version>/`` holds each unpacked
version with its marker file, ``<root>/current`` is a link to the active one, switched in one
rename. The previous release is kept for rollback.

Why a PC cannot be updated as it is reaches the office (the PC's row in the Laporan), from the module on a Linux
PC and from the controller's reading of a Windows PC alike: a ``Reason`` (release.py), said on the controller in
the run's language, and written once here for both.
"""

from __future__ import annotations

import re

from ansible_collections.dukcapil.siak.plugins.module_utils.release import N_, Reason
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import NOT_THE_RELEASE

MARKER = ".siak-client-release.json"
CURRENT = "current"
RELEASES = "releases"
INCOMING = ".incoming"
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

# What to do on a PC, decided from what is there and what is wanted.
ALREADY_CURRENT = "already_current"  # current points at the target release with the same checksum
SWITCH = "switch"  # the target release is unpacked already (a PC that was in use): only switch
INSTALL = "install"  # fetch, verify, unpack, then switch
CONFLICT = "conflict"  # a release of that version exists with another checksum: refuse

# Why a PC cannot take the release, or its reading failed.
BAD_VERSION = N_(
    "version {version!r} cannot name a release folder: use letters, digits, '.', '_', '+' or '-' (at most 64, "
    "starting with a letter or digit)"
)
BAD_SHA256 = N_("sha256 {sha256!r} is not 64 hexadecimal digits")
NOT_A_LINK = N_("{link} is a folder or file, not a link; move it to {releases}{sep}<its version> and rerun")
REBUILT = N_(
    "{target} holds version {version} with another checksum ({found}, wanted {wanted}): the package was rebuilt "
    "under the same version. Give it a new version number, or delete {target} if it is not the active release"
)
PROBE_INCOMPLETE = N_("the probe's output is incomplete")
PROBE_EXITED = N_("the probe exited {rc}: {output}")
PROBE_FAILED = N_("could not read the client release under {root}: {why}")
READ_STEP_FAILED = N_("Langkah 10 | Read the client version: {why}")
FAILED = N_("failed")
# The action plugin's own refusals (said on the controller).
NOT_POSIX = N_(
    "{host} is not reached through a POSIX shell: a Windows workstation belongs in the windows_workstations "
    "group, which uses the Windows tasks"
)
NOT_MADE = N_("could not make {path}: {error}")
# Step 9's notice on a workstation (client_notice); ``error`` is what the PC answered.
NOTICE_NOT_LEFT = N_("could not leave the notice at {path}: {error}")

# The options of dukcapil.siak.client_release, shared by the module and its action plugin.
ARGUMENT_SPEC = dict(
    root=dict(type="path", default="/opt/siak-client"),
    version=dict(type="str", required=True),
    sha256=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "probe"]),
    url=dict(type="str"),
    src=dict(type="path"),
    remote_src=dict(type="bool", default=True),
    remove_src=dict(type="bool", default=True),
    entrypoint=dict(type="str", default=""),
    process_name=dict(type="str", default="siak-client"),
    in_use=dict(type="str", default="skip", choices=["skip", "wait"]),
    wait_timeout=dict(type="int", default=300),
    wait_interval=dict(type="int", default=5),
    keep_releases=dict(type="int", default=2),
    timeout=dict(type="int", default=60),
    validate_certs=dict(type="bool", default=True),
    lock=dict(type="dict", no_log=False),
)


def check_version(version: str) -> Reason | None:
    """Why ``version`` cannot name a release folder, else None."""
    if not isinstance(version, str) or not VERSION_RE.match(version) or ".." in version:
        return Reason(BAD_VERSION, version=version)
    return None


def sha256_refusal(value) -> Reason:
    """Why a given sha256 is refused (normalise_sha256 gave None for it)."""
    return Reason(BAD_SHA256, sha256=value)


def not_a_link(root: str, sep: str = "/") -> Reason:
    """Why a PC whose ``current`` is a real folder or file cannot be switched."""
    return Reason(NOT_A_LINK, link=f"{root}{sep}{CURRENT}", releases=f"{root}{sep}{RELEASES}", sep=sep)


def rebuilt(target: str, version: str, found: str | None, wanted: str) -> Reason:
    """Why a PC refuses a package whose version it already holds with another checksum."""
    return Reason(REBUILT, target=target, version=version, found=found, wanted=wanted)


def sha256_text(value: str) -> str:
    """``value`` trimmed and lower-cased, an optional ``sha256:`` prefix dropped; not checked further."""
    text = value.strip().lower()
    return text[len("sha256:") :] if text.startswith("sha256:") else text


def normalise_sha256(value: str) -> str | None:
    """``value`` as 64 lower-case hex digits (an optional ``sha256:`` prefix is dropped), or None."""
    if not isinstance(value, str):
        return None
    text = sha256_text(value)
    return text if SHA256_RE.match(text) else None


def decide(
    target_version: str,
    target_sha256: str,
    current_version: str | None,
    current_sha256: str | None,
    target_release_sha256: str | None,
) -> str:
    """One of ALREADY_CURRENT, SWITCH, INSTALL, CONFLICT.

    ``current_*`` come from the marker of the release ``current`` points to; ``target_release_sha256``
    from the marker of ``releases/<target_version>`` when that folder exists (None when it does not,
    or has no readable marker: a folder left half-written, which is then rebuilt).
    """
    if current_version == target_version and current_sha256 == target_sha256:
        return ALREADY_CURRENT
    if target_release_sha256 is None:
        return INSTALL
    if target_release_sha256 == target_sha256:
        return SWITCH
    return CONFLICT


def process_matches(comm: str, argv0: str, name: str) -> bool:
    """Whether a process (its /proc comm and argv[0]) is the SIAK client called ``name``.

    The kernel cuts comm to 15 characters, so a longer name is compared on its first 15.
    """
    if not name:
        return False
    base = argv0.rsplit("/", 1)[-1]
    return comm == name[:15] or base == name


def archive_kind(head: bytes) -> str:
    """``zip`` or ``tar`` (any compression GNU tar reads by itself) from the first bytes of a file."""
    return "zip" if head[:4] == b"PK\x03\x04" else "tar"


# The probe, run by the action plugin as one shell script on the workstation: no Python starts there, so a
# rerun where every PC is current costs one short SSH exchange per PC. The output is parsed by parse_probe.
# Running clients: pgrep (procps) matches the process name (comm, the first 15 bytes) or argv[0]'s basename,
# in the probe's own mount namespace, as process_matches does; without pgrep, a loop over /proc with shell
# builtins matches comm (and argv[0] for a process whose command line names the client).
PROBE_SCRIPT = r"""R={root} V={version} S={sha256} N={name} C={comm} CX={comm_re} NX={name_re} m=
printf '@@link\n'
if [ -L "$R/current" ]; then
  cur=$(readlink "$R/current"); printf '%s\n' "$cur"
  while [ "${{cur%/}}" != "$cur" ]; do cur=${{cur%/}}; done
  m=$(cat "$R/releases/${{cur##*/}}/{marker}" 2>/dev/null); printf '@@current\n%s\n' "$m"
elif [ -e "$R/current" ]; then printf '@@notalink\n'; fi
# A PC whose marker names the target version and checksum (release_unpack.marker_text, in any key order) is
# current: the controller still decides from the parsed marker, and whether the client runs does not matter there.
case "$m" in *"\"version\": \"$V\""*) case "$m" in *"\"sha256\": \"$S\""*)
  printf '@@target\n@@pids\n@@end\n'; exit 0 ;; esac ;; esac
printf '@@target\n'
if [ -d "$R/releases/$V" ]; then printf '@@isdir\n'; cat "$R/releases/$V/{marker}" 2>/dev/null; fi
printf '@@pids\n'
fb=1
if command -v pgrep >/dev/null 2>&1; then
  fb=0
  pgrep --ns $$ --nslist mnt -x -- "$CX" 2>/dev/null; [ $? -le 1 ] || fb=1
  if [ $fb = 0 ]; then pgrep --ns $$ --nslist mnt -f -- "^([^ ]*/)?$NX( |\$)" 2>/dev/null; [ $? -le 1 ] || fb=1; fi
fi
if [ $fb = 1 ]; then
  own=$(readlink /proc/$$/ns/mnt 2>/dev/null)
  for d in /proc/[0-9]*; do
    p=${{d#/proc/}}; [ "$p" = "$$" ] && continue
    c=; read -r c < "$d/comm" || continue
    if [ "$c" != "$C" ]; then
      a=; read -r a < "$d/cmdline"
      case "$a" in *"$N"*) ;; *) continue ;; esac
      a=$(tr '\0' '\n' < "$d/cmdline" | head -n 1); [ "${{a##*/}}" = "$N" ] || continue
    fi
    ns=$(readlink "$d/ns/mnt"); if [ -z "$ns" ] || [ -z "$own" ] || [ "$ns" = "$own" ]; then printf '%s\n' "$p"; fi
  done 2>/dev/null
fi
printf '@@end\n'
"""


def ere_escape(text: str) -> str:
    """``text`` as a POSIX extended regular expression that matches exactly it."""
    return "".join("\\" + ch if ch in ".[]{}()\\*+?^$|" else ch for ch in text)


def probe_script(root: str, version: str, process_name: str, sha256: str | None = None) -> str:
    """The shell probe for one workstation; every value is quoted for the shell. With ``sha256`` (normalised),
    a PC already at the target release answers without looking for running clients."""
    import shlex

    # The kernel keeps the first 15 bytes of a process name in comm.
    comm = process_name.encode("utf-8")[:15].decode("utf-8", "ignore")
    return PROBE_SCRIPT.format(
        root=shlex.quote(root.rstrip("/") or "/"),
        version=shlex.quote(version),
        sha256=shlex.quote(sha256 or "-"),
        name=shlex.quote(process_name),
        comm=shlex.quote(comm),
        comm_re=shlex.quote(ere_escape(comm)),
        name_re=shlex.quote(ere_escape(process_name)),
        marker=MARKER,
    )


def _marker(text: str) -> tuple[str | None, str | None]:
    import json

    try:
        data = json.loads(text)
        return data.get("version"), normalise_sha256(data.get("sha256", ""))
    except (ValueError, AttributeError):
        return None, None


def parse_probe(output: str) -> dict:
    """What the probe saw: the ``current`` link, the markers of the current and target releases, the pids.

    Returns link (release name or None), link_is_not_a_link, current_version, current_sha256,
    target_exists, target_sha256, pids. Raises ValueError when the output is cut short.
    """
    sections: dict[str, list[str]] = {}
    name = None
    for line in output.splitlines():
        if line.startswith("@@"):
            name = line[2:].strip()
            sections.setdefault(name, [])
        elif name is not None:
            sections[name].append(line)
    if "end" not in sections or "pids" not in sections:
        raise ValueError(Reason(PROBE_INCOMPLETE))
    link_lines = sections.get("link", [])
    link = link_lines[0].rstrip("/").rsplit("/", 1)[-1] if link_lines and link_lines[0].strip() else None
    current = _marker("\n".join(sections["current"])) if "current" in sections else (None, None)
    target = _marker("\n".join(sections["isdir"])) if "isdir" in sections else (None, None)
    return {
        "link": link,
        "link_is_not_a_link": "notalink" in sections,
        "current_version": current[0] if link else None,
        "current_sha256": current[1] if link else None,
        "target_exists": "isdir" in sections,
        "target_sha256": target[1],
        "pids": sorted({int(p) for p in sections["pids"] if p.strip().isdigit()}),
    }


def probe_outcome(seen: dict, root: str, version: str, sha256: str, sep: str = "/") -> dict:
    """What a workstation's probe reading means, for a Linux PC (parse_probe's answer) and a Windows PC
    (probe.ps1's answer, the same keys) alike: the action decide() takes, the status (already current or
    pending), the version it runs and the running clients. ``problem`` says why the PC cannot be updated as it
    is (``current`` is not a link, or the target release exists with another checksum), else is empty."""
    target = f"{root}{sep}{RELEASES}{sep}{version}"
    target_sha = normalise_sha256(seen.get("target_sha256") or "") if seen.get("target_exists") else None
    current_sha = normalise_sha256(seen.get("current_sha256") or "")
    action = decide(version, sha256, seen.get("current_version"), current_sha, target_sha)
    problem = ""
    if seen.get("link_is_not_a_link"):
        problem = not_a_link(root, sep)
    elif action == CONFLICT:
        problem = rebuilt(target, version, target_sha, sha256)
    return dict(
        action=action,
        status=ALREADY_CURRENT if action == ALREADY_CURRENT else "pending",
        previous_version=seen.get("current_version"),
        version=seen.get("current_version"),
        in_use=list(seen.get("pids") or []),
        release_path=target,
        problem=problem,
    )


def windows_probe(result: dict) -> dict:
    """probe_outcome of a Windows PC's probe.ps1 answer (it echoes the version and checksum it was asked
    about, and reads the same keys parse_probe gives on Linux)."""
    result = result or {}
    return probe_outcome(
        result,
        str(result.get("root") or ""),
        str(result.get("version") or ""),
        normalise_sha256(str(result.get("sha256") or "")) or "",
        sep="\\",
    )


def windows_unpack_refusal(result: dict, version: str, sha256: str) -> Reason | None:
    """Why a Windows PC's unpack.ps1 refused the package (its answer's ``refused``), else None."""
    result = result or {}
    refused = result.get("refused")
    if refused == "rebuilt":
        return rebuilt(str(result.get("target")), version, result.get("found"), sha256)
    if refused:
        return Reason(NOT_THE_RELEASE, path=str(result.get("entrypoint") or "?"))
    return None


def rollout_state(probe: dict | None, windows: bool = False) -> dict:
    """One workstation's state after the probe, from its registered result: offline, failed,
    already_current or pending, the version it runs, whether the client is open, and why.

    ``probe`` is the registered result of the probe task (client_release state=probe on Linux,
    win_powershell probe.ps1 on Windows), None when the PC was never probed.
    """
    if not probe or probe.get("skipped"):
        return {"status": "not_probed", "current_version": None, "in_use": False, "message": ""}
    if probe.get("unreachable"):
        return {
            "status": "offline",
            "current_version": None,
            "in_use": False,
            "message": probe.get("msg", ""),
        }
    data = windows_probe(probe.get("result") or {}) if windows else probe
    if windows and not probe.get("failed") and data["problem"]:
        return {
            "status": "failed",
            "current_version": data["previous_version"],
            "in_use": False,
            "message": Reason(READ_STEP_FAILED, why=data["problem"]),
        }
    if probe.get("failed"):
        return {
            "status": "failed",
            "current_version": data.get("previous_version") if isinstance(data, dict) else None,
            "in_use": False,
            "message": Reason(READ_STEP_FAILED, why=probe.get("msg") or Reason(FAILED)),
        }
    data = data if isinstance(data, dict) else {}
    return {
        "status": "already_current" if data.get("status") == ALREADY_CURRENT else "pending",
        "current_version": data.get("previous_version"),
        "in_use": bool(data.get("in_use")),
        "message": "",
    }
