"""OpenStackCACertGenerator: Octavia's CertGenerator over OpenStack CA.

octavia.conf:
    [certificates]
    cert_generator = openstack_ca_cert_generator
    [openstack_ca]
    ca_id = ...; endpoint = ...; profile = ...; auth_type = password; auth_url = ...; username = ...
"""
from __future__ import annotations

from typing import Any, Optional, Union

from cryptography.hazmat.primitives import serialization
from keystoneauth1 import loading as ks_loading
from octavia.certificates.common import local as local_common
from octavia.certificates.generator import cert_gen
from octavia.common import exceptions
from oslo_config import cfg
from oslo_log import log as logging

from openstack_ca.client import ApiError, CAClient
from openstack_ca.jobs import JobFailed, JobTimeout, wait_for_job
from openstack_ca.octavia import barbican
from openstack_ca.octavia.config import GROUP, register_opts

LOG = logging.getLogger(__name__)

Passphrase = Optional[Union[str, bytes]]


def _bytes(value: Union[str, bytes]) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _pem(value: Union[str, bytes]) -> bytes:
    return _bytes(value).strip() + b"\n"


def encrypt_key(private_key_pem: bytes, passphrase: Passphrase) -> bytes:
    """The key as PEM, encrypted with `passphrase` if given, as octavia's local generator writes it."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(_bytes(passphrase)) if passphrase else serialization.NoEncryption())
    return key.private_bytes(encoding=serialization.Encoding.PEM,
                             format=serialization.PrivateFormat.TraditionalOpenSSL, encryption_algorithm=encryption)


class OpenStackCACertGenerator(cert_gen.CertGenerator):
    """Signs Octavia's CSRs and makes amphora key pairs with an OpenStack CA CA ([openstack_ca] ca_id)."""

    def __init__(self, conf: Optional[cfg.ConfigOpts] = None, session: Any = None) -> None:
        self.conf = conf or cfg.CONF
        register_opts(self.conf)
        self._session = session
        self._client: Optional[CAClient] = None

    @property
    def options(self) -> Any:
        return self.conf[GROUP]

    @property
    def session(self) -> Any:
        if self._session is None:
            auth = ks_loading.load_auth_from_conf_options(self.conf, GROUP)
            self._session = ks_loading.load_session_from_conf_options(self.conf, GROUP, auth=auth)
        return self._session

    @property
    def client(self) -> CAClient:
        if self._client is None:
            self._client = CAClient(self.session, self.options.endpoint, interface=self.options.interface,
                                    region_name=self.options.region_name)
        return self._client

    def _issue(self, body: dict[str, Any]) -> dict:
        """POST the request, wait for its job; the issued certificate, or CertificateGenerationException."""
        ca_id = self.options.ca_id
        if not ca_id:
            raise exceptions.CertificateGenerationException(msg=f"[{GROUP}] ca_id is not set")
        body = {"profile": self.options.profile, **body}
        sans = body.get("sans", []) + [n for n in self.options.sans if n not in body.get("sans", [])]
        if sans:
            body["sans"] = sans
        try:
            answer = self.client.request_certificate(ca_id, body)
            job = answer["job"]
            LOG.debug("OpenStack CA certificate %s requested, job %s", answer["certificate"]["id"], job["id"])
            wait_for_job(self.client, job["id"], timeout=self.options.wait_timeout)
            return self.client.get_certificate(answer["certificate"]["id"])
        except (ApiError, JobFailed, JobTimeout) as e:
            raise exceptions.CertificateGenerationException(msg=str(e)) from e

    def _ttl(self, validity: Optional[int]) -> Optional[int]:
        return self.options.ttl or (int(validity) if validity else None)

    def sign_cert(self, csr: Union[str, bytes], validity: int) -> bytes:
        """The PEM certificate the CA issues for `csr`, valid `validity` seconds."""
        body: dict[str, Any] = {"csr": _bytes(csr).decode("ascii")}
        if self._ttl(validity):
            body["ttl"] = self._ttl(validity)
        return _pem(self._issue(body)["certificate"])

    def generate_cert_key_pair(self, cn: str, validity: int, bit_length: int = 2048,
                               passphrase: Passphrase = None, **kwargs: Any) -> local_common.LocalCert:
        """A server-side key made by the service's worker, delivered into a Barbican certificate
        container only this user can read, read back here; the certificate's CN is `cn`."""
        # The SAN too: Octavia's amphora driver checks the amphora's certificate against its id
        # (assert_hostname), and the service issues nothing without a subject alternative name.
        body: dict[str, Any] = {"key_type": self.options.key_type or f"RSA-{bit_length}",
                                "subject": {"CN": cn}, "object_id": cn, "sans": [f"DNS:{cn}"]}
        if self._ttl(validity):
            body["ttl"] = self._ttl(validity)
        cert = self._issue(body)
        if not cert.get("container_ref"):
            raise exceptions.CertificateGenerationException(msg=f"certificate {cert['id']} has no key container")
        try:
            secrets = barbican.read_certificate_container(self.session, cert["container_ref"],
                                                          self.options.barbican_endpoint)
        except (ApiError, ValueError) as e:
            raise exceptions.CertificateGenerationException(
                msg=f"cannot read the key of certificate {cert['id']} from {cert['container_ref']}: {e}") from e
        if "private_key" not in secrets:
            raise exceptions.CertificateGenerationException(msg=f"{cert['container_ref']} holds no private_key")
        intermediates = secrets.get("intermediates") or (_bytes(cert["chain"]) if cert.get("chain") else None)
        return local_common.LocalCert(certificate=_pem(cert["certificate"]),
                                      private_key=encrypt_key(secrets["private_key"], passphrase),
                                      intermediates=intermediates,
                                      private_key_passphrase=passphrase)
