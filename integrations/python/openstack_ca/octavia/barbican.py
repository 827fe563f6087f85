"""Reading a Barbican certificate container (certificate, private_key, intermediates,
private_key_passphrase) with a keystoneauth session."""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from openstack_ca.client import error_from

SECRET_NAMES = ("certificate", "private_key", "intermediates", "private_key_passphrase")


def _rebase(ref: str, endpoint: Optional[str]) -> str:
    """A reference under another base (Barbican's host_href may not be reachable from here)."""
    if not endpoint:
        return ref
    path = urlsplit(ref).path
    base = endpoint.rstrip("/")
    if base.endswith("/v1") and path.startswith("/v1/"):
        path = path[len("/v1"):]
    return base + path


def read_certificate_container(session: Any, container_ref: str,
                               endpoint: Optional[str] = None) -> dict[str, bytes]:
    """Each secret of the container by name, as the payload's bytes."""
    resp = session.request(_rebase(container_ref, endpoint), "GET", raise_exc=False,
                           headers={"Accept": "application/json"})
    if resp.status_code >= 400:
        raise error_from(resp)
    container = resp.json()
    if container.get("type") != "certificate":
        raise ValueError(f"{container_ref} is a {container.get('type')} container, not a certificate container")
    out: dict[str, bytes] = {}
    for ref in container.get("secret_refs", []):
        if ref.get("name") not in SECRET_NAMES:
            continue
        payload = session.request(_rebase(ref["secret_ref"], endpoint) + "/payload", "GET", raise_exc=False,
                                  headers={"Accept": "application/octet-stream"})
        if payload.status_code >= 400:
            raise error_from(payload)
        out[ref["name"]] = payload.content
    return out
