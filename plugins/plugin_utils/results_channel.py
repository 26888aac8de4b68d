# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The results channel: how a role publishes its per-host results (docs/agenda-format.md, "Results").

Every publisher (the ``dukcapil.siak.publish_results`` action and the actions that publish as a side
effect of their work) returns what :func:`publish` builds, added to its task result:

- ``ansible_stats``: run-wide custom stats ``{"siak_results": {role: {host: result}}}`` with
  ``per_host: false`` and ``aggregate: true``, what ``ansible.builtin.set_stats`` returns. They reach
  ``run_end.results`` in the agenda and the job's artifacts in AWX.
- ``ansible_facts``: the same results as host facts, one per role, ``siak_results__<role>``
  (``{host: result}``, merged with what the host published for that role before in this run), and
  ``siak_results_run_id``, so a later play (the upgrade report) reads every role's results from
  hostvars (:func:`gather`). One fact per role, not one merged fact: a task run once gives its facts
  to every host of the play, which must not overwrite what those hosts published for other roles.

Values are plain JSON types (``dict``, ``list``, ``str``, numbers). ansible-core merges custom stats
only when a value has the type of the first value of the same key, and a ``set_stats`` task with a
literal mapping gives a tagged dict while an action's result is a plain dict: mixed, the later results
are dropped without a word. Host names are keys of the data, never templated keys (``set_stats`` keeps
a ``"{{ inventory_hostname }}"`` key as that text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

KEY = "siak_results"
FACT_PREFIX = "siak_results__"
RUN_ID_FACT = "siak_results_run_id"


class ChannelError(ValueError):
    """Results that cannot be published, with what to fix."""


def plain(value: Any) -> Any:
    """A JSON-native copy (str keys, lists, no tagged or lazy types)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``new`` merged into ``old`` key by key (mappings recursively, anything else replaced)."""
    out = dict(old)
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def check_results(role: Any, by_host: Any) -> dict[str, dict[str, Any]]:
    """``{host: result}`` as plain data, or a ChannelError naming the problem and the fix."""
    if not isinstance(role, str) or not role.strip() or "{{" in role:
        raise ChannelError(f"results channel: role {role!r} must be a plain name, such as siak_upgrade")
    if not role.replace("_", "").isalnum():
        raise ChannelError(
            f"results channel: role {role!r} must be letters, digits and '_' (it names a fact)"
        )
    if not isinstance(by_host, Mapping) or not by_host:
        raise ChannelError(
            f"results channel: the results of {role} must be a mapping of host name to result, got {by_host!r}"
        )
    out = {}
    for host, result in by_host.items():
        if not isinstance(host, str) or not host or "{{" in host:
            raise ChannelError(
                f"results channel: {role} publishes under the key {host!r}, which is not a host name "
                "(a templated key is not templated: give the host as a value, as publish_results does)"
            )
        if not isinstance(result, Mapping):
            raise ChannelError(f"results channel: the result of {role} for {host} must be a mapping")
        out[host] = plain(result)
    return out


def publish(
    role: str, by_host: Mapping[str, Any], task_vars: Mapping[str, Any] | None, run_id: str
) -> dict[str, Any]:
    """What a publishing task adds to its result: ``ansible_stats`` and ``ansible_facts``."""
    results = check_results(role, by_host)
    task_vars = task_vars or {}
    fact = FACT_PREFIX + role
    before = task_vars.get(fact) if task_vars.get(RUN_ID_FACT) == run_id else None
    return {
        "ansible_stats": {"data": {KEY: {role: results}}, "per_host": False, "aggregate": True},
        "ansible_facts": {
            fact: merge(plain(before) if isinstance(before, Mapping) else {}, results),
            RUN_ID_FACT: run_id,
        },
    }


def from_stats_data(data: Any) -> tuple[str, dict[str, Any]]:
    """``(role, {host: result})`` from ``{"siak_results": {role: {host: result}}}`` (one role)."""
    if not isinstance(data, Mapping) or set(data) != {KEY} or not isinstance(data[KEY], Mapping):
        raise ChannelError(f"results channel: expected {{'{KEY}': {{role: {{host: result}}}}}}, got {data!r}")
    if len(data[KEY]) != 1:
        raise ChannelError(f"results channel: publish one role at a time, got {sorted(data[KEY])}")
    ((role, by_host),) = data[KEY].items()
    return role, by_host


def gather(hostvars: Mapping[str, Any], hosts: list[str], run_id: str) -> dict[str, Any]:
    """Every role's results of this run, ``{role: {host: result}}``, from the hosts' facts (the upgrade
    report's input; the shape of the agenda's ``run_end.results.siak_results``).

    The controller (``localhost``) is read too: a report task of a play on the controller publishes
    there, and the implicit localhost is in no group.
    """
    out: dict[str, Any] = {}
    for host in [*hosts, *([] if "localhost" in hosts else ["localhost"])]:
        try:
            hv = hostvars[host]
            if hv.get(RUN_ID_FACT) != run_id:
                continue
            found = {k[len(FACT_PREFIX) :]: hv.get(k) for k in list(hv.keys()) if k.startswith(FACT_PREFIX)}
        except Exception:  # pylint: disable=broad-except  # one host's broken variable must not hide the rest
            continue
        for role, by_host in found.items():
            if isinstance(by_host, Mapping):
                out = merge(out, {role: plain(by_host)})
    return out
