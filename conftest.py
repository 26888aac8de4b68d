"""The tests import the collection's logic as Ansible and siak-sop do: through ansible-core's collection
loader, with the checkout itself first (build/collections, the link `make setup` makes)."""

from __future__ import annotations

from pathlib import Path

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

COLLECTIONS = Path(__file__).resolve().parent / "build" / "collections"

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader([str(COLLECTIONS)])
