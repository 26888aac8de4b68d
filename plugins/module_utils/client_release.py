# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of a versioned SIAK client install: no I/O, so they are unit-tested without a PC.

Layout on a workstation (after ansistrano): ``<root>/releases/<version>/`` holds each unpacked
version with its marker file, ``<root>/current`` is a link to the active one, switched in one
rename. The previous release is kept for rollback.
"""

from __future__ import annotations

import re

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


def check_version(version: str) -> str | None:
    """An error text when ``version`` cannot name a release folder, else None."""
    if not isinstance(version, str) or not VERSION_RE.match(version) or ".." in version:
        return (
            f"version {version!r} cannot name a release folder: use letters, digits, '.', '_', '+' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return None


def normalise_sha256(value: str) -> str | None:
    """``value`` as 64 lower-case hex digits (an optional ``sha256:`` prefix is dropped), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
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


def releases_to_prune(
    releases: list[tuple[str, float]], keep: int, current: str | None, previous: str | None
) -> list[str]:
    """Release names to delete so that ``keep`` remain: current and previous first, then the newest.

    ``releases`` are (name, mtime) of the folders under ``releases/``. Hidden names (``.x.partial``,
    left by an interrupted run) are always deleted. ``keep`` below 2 is read as 2: the previous
    version is what a rollback needs.
    """
    keep = max(2, keep)
    visible = [(n, m) for n, m in releases if not n.startswith(".")]
    hidden = [n for n, _mtime in releases if n.startswith(".")]
    names = [n for n, _mtime in visible]
    ranked = [n for n in (current, previous) if n and n in names]
    for name, _mtime in sorted(visible, key=lambda r: (-r[1], r[0])):
        if name not in ranked:
            ranked.append(name)
    return sorted(hidden) + sorted(ranked[keep:])


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
