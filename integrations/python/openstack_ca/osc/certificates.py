"""`openstack ca certificate request|list|show|revoke|download`."""
from __future__ import annotations

import argparse
import os
from typing import Any

from osc_lib import exceptions

from openstack_ca.osc import common

CERT_FIRST = ("id", "ca_id", "status", "subject", "sans", "serial", "not_before", "not_after")
CERT_COLUMNS = ("id", "ca_id", "status", "subject_cn", "sans", "not_after")
REASONS = ("unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
           "cessationOfOperation", "privilegeWithdrawn", "aACompromise")


def request_body(parsed_args: argparse.Namespace) -> dict[str, Any]:
    """POST /v1/cas/{id}/certificates: a CSR, or without one a server-side key of --key-type."""
    if parsed_args.csr and parsed_args.key_type:
        raise exceptions.CommandError("give either --csr or --key-type (a server-side key), not both")
    body: dict[str, Any] = {"csr": common.read_file(parsed_args.csr)} if parsed_args.csr else {}
    if parsed_args.key_type:
        body["key_type"] = parsed_args.key_type
    subject = common.subject_from(parsed_args)
    if subject:
        body["subject"] = subject
    if parsed_args.san:
        body["sans"] = parsed_args.san
    if parsed_args.ttl is not None:
        body["ttl"] = int(parsed_args.ttl) if parsed_args.ttl.isdigit() else parsed_args.ttl
    for key in ("profile", "object_id"):
        if getattr(parsed_args, key):
            body[key] = getattr(parsed_args, key)
    renewal = {k: v for k, v in (("percent", parsed_args.renewal_percent), ("days", parsed_args.renewal_days))
               if v is not None}
    if renewal:
        body["renewal"] = renewal
    return body


class RequestCertificate(common.ShowOne):
    """Request a certificate from a CA, for a CSR or with a server-side key (delivered into Barbican)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="Issuing CA (name or ID)")
        parser.add_argument("--csr", metavar="<file>", help="PEM CSR file")
        parser.add_argument("--key-type", choices=common.KEY_TYPES,
                            help="Without --csr: the service makes a key of this type into Barbican")
        common.add_subject_options(parser)
        parser.add_argument("--san", action="append", metavar="<name>",
                            help="Subject alternative name, DNS:, IP:, email: or bare (repeat for more)")
        parser.add_argument("--ttl", metavar="<ttl>", help="Lifetime: seconds, or 720h, 30d (default: the profile's)")
        parser.add_argument("--profile", metavar="<profile>", help="Issuance profile (default: default)")
        parser.add_argument("--object-id", metavar="<id>", help="The object the certificate is for")
        parser.add_argument("--renewal-percent", type=int, metavar="<percent>",
                            help="Renew automatically when this share of the lifetime is left")
        parser.add_argument("--renewal-days", type=int, metavar="<days>",
                            help="Renew automatically this many days before expiry")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        answer = self.ca.request_certificate(common.ca_id(self.ca, parsed_args.ca), request_body(parsed_args))
        cert = answer["certificate"]
        if self.wait(parsed_args, answer["job"]):
            cert = self.ca.get_certificate(cert["id"])
        return common.show(cert, CERT_FIRST)


class ListCertificate(common.Lister):
    """List the project's certificates"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--ca", metavar="<ca>", help="Only this CA's (name or ID)")
        parser.add_argument("--san", metavar="<name>",
                            help="Only those with exactly this name (DNS name, IP or email; *.example.org is the wildcard name)")
        parser.add_argument("--san-suffix", metavar="<domain>",
                            help="Only those with a DNS name ending in .<domain> (example.org: www.example.org, *.example.org)")
        parser.add_argument("--serial", metavar="<hex>", help="Only this serial number (hex, any case, colons allowed)")
        parser.add_argument("--status", choices=("pending", "issued", "failed", "revoked"), help="Only those in this status")
        parser.add_argument("--expires-before", metavar="<time>", help="Only those expiring before this ISO 8601 time")
        parser.add_argument("--expires-after", metavar="<time>", help="Only those expiring after this ISO 8601 time")
        parser.add_argument("--profile", metavar="<name>", help="Only those issued under this profile")
        parser.add_argument("--limit", type=int, metavar="<n>", help="At most this many")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        ca_id = common.ca_id(self.ca, parsed_args.ca) if parsed_args.ca else None
        filters = {name: getattr(parsed_args, name) for name in self.ca.CERTIFICATE_FILTERS}
        certs = self.ca.list_certificates(ca_id, parsed_args.limit, **filters)
        return common.table(certs, CERT_COLUMNS, {"subject_cn": common.subject_cn})


class ShowCertificate(common.ShowOne):
    """Show a certificate: PEM, chain, serial, validity, status"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("certificate", metavar="<certificate>", help="Certificate ID")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.get_certificate(parsed_args.certificate), CERT_FIRST)


class RevokeCertificate(common.ShowOne):
    """Revoke a certificate (it goes on the CA's CRL and OCSP answers)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("certificate", metavar="<certificate>", help="Certificate ID")
        parser.add_argument("--reason", choices=REASONS, help="RFC 5280 reason (default unspecified)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.revoke_certificate(parsed_args.certificate, parsed_args.reason), CERT_FIRST)


def pem(text: str) -> str:
    return text.strip() + "\n"


class DownloadCertificate(common.Command):
    """Write a certificate (and with --chain its chain) as PEM, to stdout or into a directory"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("certificate", metavar="<certificate>", help="Certificate ID")
        parser.add_argument("--chain", action="store_true", help="Also the issuing CA and its issuers")
        parser.add_argument("--output-dir", metavar="<dir>",
                            help="Write <id>.pem (and <id>.chain.pem, <id>.fullchain.pem) here")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        cert = self.ca.get_certificate(parsed_args.certificate)
        if not cert.get("certificate"):
            raise exceptions.CommandError(f"certificate {cert['id']} has no PEM yet (status {cert.get('status')})")
        files = {f"{cert['id']}.pem": pem(cert["certificate"])}
        if parsed_args.chain and cert.get("chain"):
            files[f"{cert['id']}.chain.pem"] = pem(cert["chain"])
            files[f"{cert['id']}.fullchain.pem"] = pem(cert["certificate"]) + pem(cert["chain"])
        if not parsed_args.output_dir:
            self.app.stdout.write(pem(cert["certificate"]) + (pem(cert["chain"]) if len(files) > 1 else ""))
            return
        os.makedirs(parsed_args.output_dir, exist_ok=True)
        for name, text in files.items():
            path = os.path.join(parsed_args.output_dir, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            self.app.stdout.write(path + "\n")
