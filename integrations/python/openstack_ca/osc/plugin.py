"""python-openstackclient plugin hooks: OSC loads this module from the `openstack.cli.extension`
entry point `ca` and the commands from `openstack.ca.v1`."""
from __future__ import annotations

import argparse
import os
from typing import Any

from openstack_ca.client import SERVICE_TYPE, ApiError, CAClient

API_NAME = "ca"
API_VERSION_OPTION = "os_ca_api_version"
DEFAULT_API_VERSION = "1"
API_VERSIONS = {"1": "openstack_ca.client.CAClient"}

# Where an endpoint may be given, first wins: --os-ca-endpoint / OS_CA_ENDPOINT, clouds.yaml's
# ca_endpoint_override, then openstacksdk's <service_type>_endpoint_override; else the catalog.
ENDPOINT_KEYS = ("ca_endpoint", "ca_endpoint_override", "certificate_authority_endpoint_override")


def endpoint_override(config: dict[str, Any]) -> str | None:
    return next((str(config[k]) for k in ENDPOINT_KEYS if config.get(k)), None)


class AnonymousSession:
    """For the commands that run without a Keystone token (`auth_required = False`: enrollment on a
    machine that has no password, only a one-time password or its certificate's key): a
    keystoneauth session with no auth plugin, so no token and no catalog; the endpoint is explicit."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def request(self, url: str, method: str, **kwargs: Any) -> Any:
        return self.session.request(url, method, authenticated=False, **kwargs)

    def get_endpoint(self, **kwargs: Any) -> None:
        raise ApiError(0, "ENDPOINT_NOT_FOUND", "this command runs without a Keystone token, so without its catalog: "
                                                "give --os-ca-endpoint <url> (OS_CA_ENDPOINT) or ca_endpoint_override in clouds.yaml")


def anonymous_session(instance: Any) -> AnonymousSession:
    """TLS settings as the other commands have them (--os-cacert, --insecure, --os-cert/--os-key)."""
    from keystoneauth1 import session as ks_session

    options = getattr(instance, "_cli_options", None)
    if options is not None and hasattr(options, "get_requests_verify_args"):
        verify, cert = options.get_requests_verify_args()
    else:
        verify, cert = getattr(instance, "verify", True), getattr(instance, "cert", None)
    return AnonymousSession(ks_session.Session(verify=verify, cert=cert, app_name="openstack-ca"))


def make_client(instance: Any) -> CAClient:
    """The CA client of an osc_lib ClientManager: its keystoneauth session, region and interface.
    A command that needs no token (osc-lib set no session up) gets an anonymous session."""
    config = instance.get_configuration()
    session = getattr(instance, "session", None)
    return CAClient(session if session is not None else anonymous_session(instance), endpoint_override(config),
                    interface=getattr(instance, "interface", None) or "public",
                    region_name=getattr(instance, "_region_name", None))


def build_option_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--os-ca-api-version", metavar="<ca-api-version>",
                        default=os.environ.get("OS_CA_API_VERSION", DEFAULT_API_VERSION),
                        help=f"CA API version, default={DEFAULT_API_VERSION} (Env: OS_CA_API_VERSION)")
    parser.add_argument("--os-ca-endpoint", metavar="<url>", default=os.environ.get("OS_CA_ENDPOINT"),
                        help=f"CA API endpoint instead of the catalog's {SERVICE_TYPE} entry "
                             "(Env: OS_CA_ENDPOINT; clouds.yaml: ca_endpoint_override)")
    return parser
