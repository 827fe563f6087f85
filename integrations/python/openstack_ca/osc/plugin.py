"""python-openstackclient plugin hooks: OSC loads this module from the `openstack.cli.extension`
entry point `ca` and the commands from `openstack.ca.v1`."""
from __future__ import annotations

import argparse
import os
from typing import Any

from openstack_ca.client import SERVICE_TYPE, CAClient

API_NAME = "ca"
API_VERSION_OPTION = "os_ca_api_version"
DEFAULT_API_VERSION = "1"
API_VERSIONS = {"1": "openstack_ca.client.CAClient"}

# Where an endpoint may be given, first wins: --os-ca-endpoint / OS_CA_ENDPOINT, clouds.yaml's
# ca_endpoint_override, then openstacksdk's <service_type>_endpoint_override; else the catalog.
ENDPOINT_KEYS = ("ca_endpoint", "ca_endpoint_override", "certificate_authority_endpoint_override")


def endpoint_override(config: dict[str, Any]) -> str | None:
    return next((str(config[k]) for k in ENDPOINT_KEYS if config.get(k)), None)


def make_client(instance: Any) -> CAClient:
    """The CA client of an osc_lib ClientManager: its keystoneauth session, region and interface."""
    config = instance.get_configuration()
    return CAClient(instance.session, endpoint_override(config), interface=instance.interface or "public",
                    region_name=getattr(instance, "_region_name", None))


def build_option_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--os-ca-api-version", metavar="<ca-api-version>",
                        default=os.environ.get("OS_CA_API_VERSION", DEFAULT_API_VERSION),
                        help=f"CA API version, default={DEFAULT_API_VERSION} (Env: OS_CA_API_VERSION)")
    parser.add_argument("--os-ca-endpoint", metavar="<url>", default=os.environ.get("OS_CA_ENDPOINT"),
                        help=f"CA API endpoint instead of the catalog's {SERVICE_TYPE} entry "
                             "(Env: OS_CA_ENDPOINT; clouds.yaml: ca_endpoint_override)")
    return parser
