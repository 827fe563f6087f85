"""The generator's oslo.config options, group [openstack_ca], with keystoneauth's auth and session
options in the same group (so it authenticates as Octavia's other service clients do)."""
from __future__ import annotations

from typing import Any

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = "openstack_ca"

OPTS = [
    cfg.StrOpt("endpoint", help="OpenStack CA API endpoint; default: the catalog's certificate-authority entry"),
    cfg.StrOpt("ca_id", help="ID of the CA that issues the amphora certificates"),
    cfg.StrOpt("profile", default="default",
               help="Issuance profile of that CA (e.g. one with allow_any_name and cn_must_be_object_id)"),
    cfg.IntOpt("ttl", min=1, help="Certificate lifetime in seconds; default: the validity Octavia asks for "
                                  "([certificates] cert_validity_time)"),
    cfg.StrOpt("key_type", help="Key type of server-side keys (RSA-2048, EC-P256, ...); default: RSA of "
                                "the bit length Octavia asks for"),
    cfg.ListOpt("sans", default=[], help="Subject alternative names added to every certificate (amphora "
                                          "certificates always have DNS:<amphora id>)"),
    cfg.StrOpt("barbican_endpoint", help="Barbican endpoint for reading back server-side keys; "
                                         "default: container references are absolute"),
    cfg.FloatOpt("wait_timeout", default=120.0, min=1, help="Seconds to wait for the issuance job"),
    cfg.StrOpt("region_name", help="Region of the certificate-authority endpoint in the catalog"),
    cfg.StrOpt("interface", default="public", help="Catalog interface of the certificate-authority endpoint"),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)


def list_opts() -> list[tuple[str, list[Any]]]:
    """For oslo-config-generator (entry point oslo.config.opts = openstack_ca)."""
    return [(GROUP, OPTS + ks_loading.get_session_conf_options() + ks_loading.get_auth_common_conf_options())]
