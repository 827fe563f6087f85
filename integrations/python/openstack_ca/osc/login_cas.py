"""The operator's side of Keystone login certificates, with a Keystone token (a system-scoped admin,
or a user for themselves): `openstack ca login-ca create|list|show|keystone`, `ca enrollment
create|list|show`, `ca user-certificate list|revoke`."""
from __future__ import annotations

import argparse
import re
import time
from typing import Any, Optional

from osc_lib import exceptions

from openstack_ca.client import ApiError, CAClient
from openstack_ca.osc import common
from openstack_ca.osc.certificates import REASONS

LOGIN_CA_FIRST = ("id", "name", "status", "subject", "key_type", "user_certificates")
LOGIN_CA_COLUMNS = ("id", "name", "status", "subject_cn", "key_type", "not_after")
ENROLLMENT_FIRST = ("id", "login_ca_id", "kind", "status", "user", "expires_at", "csr_sha256", "certificate_id")
ENROLLMENT_COLUMNS = ("id", "kind", "status", "user_name", "user_id", "expires_at", "failed_attempts", "certificate_id")
USER_CERT_COLUMNS = ("id", "status", "user_name", "user_id", "serial", "not_after", "enrollment_id", "renewed_from")
KEYSTONE_FIRST = ("identity_provider_id", "identity_provider", "mapping_id", "mapping", "protocol_id", "protocol",
                  "requests", "auth_url_path", "remote_id", "ocsp_url", "apache")

_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> int:
    """Seconds, or a number with s, m, h or d: 3600, 90m, 8h, 7d."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is no duration: seconds, or 90m, 8h, 7d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def find_login_ca(client: CAClient, name_or_id: str) -> dict:
    """A login CA by id, or by name when exactly one has it."""
    if common.UUID.match(name_or_id):
        return client.get_login_ca(name_or_id)
    matches = [c for c in client.list_login_cas() if c.get("name") == name_or_id]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ApiError(404, "LOGIN_CA_NOT_FOUND", f"no login CA with the id or name {name_or_id!r}")
    raise exceptions.CommandError(f"{len(matches)} login CAs are named {name_or_id!r}: give the id")


def login_ca_id(client: CAClient, name_or_id: str) -> str:
    return name_or_id if common.UUID.match(name_or_id) else find_login_ca(client, name_or_id)["id"]


def resolve_user(app: Any, name_or_id: str, domain: Optional[str] = None) -> str:
    """A Keystone user id, found as the other OSC commands find users (by id, then by name) when
    the identity client is there; else the value as it is (the API checks the id with Keystone)."""
    identity = getattr(app.client_manager, "identity", None)
    if identity is None:
        return name_or_id
    try:
        from openstackclient.identity import common as identity_common
    except ImportError:
        return name_or_id
    return identity_common.find_user(identity, name_or_id, domain).id


def add_user_options(parser: argparse.ArgumentParser, required: bool, what: str) -> None:
    parser.add_argument("--user", metavar="<user>", required=required, help=f"{what} (name or ID)")
    parser.add_argument("--user-domain", metavar="<domain>", help="Domain the user belongs to (name or ID), "
                                                                   "when a name is not unique")


def user_of(command: Any, parsed_args: argparse.Namespace) -> Optional[str]:
    return resolve_user(command.app, parsed_args.user, parsed_args.user_domain) if parsed_args.user else None


def flat_user(item: dict) -> dict:
    user = item.get("user") or {}
    return {**item, "user_id": user.get("id"), "user_name": user.get("name")}


class CreateLoginCA(common.ShowOne):
    """Create a login CA for Keystone user certificates (a system-scoped admin: --os-system-scope all)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="Name (the CA's CN)")
        parser.add_argument("--organization", metavar="<organization>", help="The CA's O")
        parser.add_argument("--key-type", choices=common.KEY_TYPES, help="The CA's key type (default EC-P256)")
        parser.add_argument("--validity-days", type=int, metavar="<days>", help="The CA's validity (default 3650)")
        parser.add_argument("--default-ttl", type=duration, metavar="<duration>",
                            help="User certificates live this long unless asked otherwise (default 8h)")
        parser.add_argument("--max-ttl", type=duration, metavar="<duration>",
                            help="Longest user certificate lifetime (default 8h, at most 30d)")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        body: dict[str, Any] = {"name": parsed_args.name}
        for key in ("organization", "key_type", "validity_days"):
            if getattr(parsed_args, key) is not None:
                body[key] = getattr(parsed_args, key)
        ttls = {k: getattr(parsed_args, k) for k in ("default_ttl", "max_ttl") if getattr(parsed_args, k) is not None}
        if ttls:
            body["user_certificates"] = ttls
        ca = self.ca.create_login_ca(body)["login_ca"]
        if parsed_args.wait:
            ca = self.wait_active(ca["id"], parsed_args.wait_timeout)
        return common.show(ca, LOGIN_CA_FIRST)

    def wait_active(self, ca_id: str, timeout: float, sleep: Any = time.sleep) -> dict:
        """Its job is in the service's system project (no GET /v1/jobs reaches it): the CA's status tells."""
        started = time.monotonic()
        last = None
        while True:
            ca = self.ca.get_login_ca(ca_id)
            elapsed = time.monotonic() - started
            if ca.get("status") != last:
                last = ca.get("status")
                self.app.stderr.write(f"login CA {ca_id}: {last} after {elapsed:.1f} s\n")
                self.app.stderr.flush()
            if last == "active":
                return ca
            if last == "failed":
                raise exceptions.CommandError(f"login CA {ca_id} failed: {ca.get('failure_reason') or 'no reason given'}")
            if elapsed >= timeout:
                raise exceptions.CommandError(f"login CA {ca_id} is still {last} after {timeout:g} s")
            sleep(0.2)


class ListLoginCA(common.Lister):
    """List the login CAs"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.table(self.ca.list_login_cas(), LOGIN_CA_COLUMNS, {"subject_cn": common.subject_cn})


class ShowLoginCA(common.ShowOne):
    """Show a login CA (its certificate once active: what Keystone's Apache trusts)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("login_ca", metavar="<login-ca>", help="Login CA (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(find_login_ca(self.ca, parsed_args.login_ca), LOGIN_CA_FIRST)


class ShowLoginCAKeystone(common.ShowOne):
    """Show what to create in Keystone for a login CA: identity provider, mapping, protocol, Apache lines"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("login_ca", metavar="<login-ca>", help="Login CA (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        objects = self.ca.get_login_ca_keystone(login_ca_id(self.ca, parsed_args.login_ca))
        return common.show(objects, KEYSTONE_FIRST)


class CreateEnrollment(common.ShowOne):
    """Make a one-time password for a Keystone user's machine (shown this once)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("login_ca", metavar="<login-ca>", help="Login CA (name or ID)")
        add_user_options(parser, True, "The user the certificate is for")
        parser.add_argument("--ttl", type=duration, metavar="<duration>",
                            help="The certificate's lifetime (default: the login CA's default)")
        parser.add_argument("--expires-in", type=duration, metavar="<duration>",
                            help="How long the one-time password can be redeemed (default 1d, at most 7d)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        ca_id = login_ca_id(self.ca, parsed_args.login_ca)
        body: dict[str, Any] = {"user_id": user_of(self, parsed_args)}
        if parsed_args.ttl is not None:
            body["ttl"] = parsed_args.ttl
        if parsed_args.expires_in is not None:
            body["expires_in"] = parsed_args.expires_in
        answer = self.ca.create_enrollment(ca_id, body)
        enrollment = answer["enrollment"]
        self.app.stderr.write(f"on the new machine: openstack --os-ca-endpoint <url> ca enroll {enrollment['id']} "
                              "--key-out <key file> --cert-out <certificate file> (it asks for the one-time password)\n")
        return common.show({**enrollment, "one_time_password": answer["one_time_password"]},
                           ("id", "one_time_password", "status", "user", "expires_at", "login_ca_id"))


class ListEnrollment(common.Lister):
    """List a login CA's enrollments (all, or one user's)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("login_ca", metavar="<login-ca>", help="Login CA (name or ID)")
        add_user_options(parser, False, "Only this user's")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        items = self.ca.list_enrollments(login_ca_id(self.ca, parsed_args.login_ca), user_of(self, parsed_args))
        return common.table((flat_user(e) for e in items), ENROLLMENT_COLUMNS)


class ShowEnrollment(common.ShowOne):
    """Show an enrollment: its status, the CSR's sha256 once redeemed, the certificate once issued"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("enrollment", metavar="<enrollment>", help="Enrollment ID")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.get_enrollment(parsed_args.enrollment), ENROLLMENT_FIRST)


class ListUserCertificate(common.Lister):
    """List the user certificates of a login CA (a user's machines with --user)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("login_ca", metavar="<login-ca>", help="Login CA (name or ID)")
        add_user_options(parser, False, "Only this user's")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        items = self.ca.list_user_certificates(login_ca_id(self.ca, parsed_args.login_ca), user_of(self, parsed_args))
        return common.table((flat_user(c) for c in items), USER_CERT_COLUMNS)


class RevokeUserCertificate(common.Lister):
    """Revoke a user certificate (one machine), or with --user all of a user's"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("login_ca", metavar="<login-ca>", help="Login CA (name or ID)")
        parser.add_argument("certificate", metavar="<certificate>", nargs="?", help="User certificate ID")
        add_user_options(parser, False, "Instead of one certificate: every certificate of this user")
        parser.add_argument("--reason", choices=REASONS, help="RFC 5280 reason (default unspecified)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        if bool(parsed_args.certificate) == bool(parsed_args.user):
            raise exceptions.CommandError("give a certificate ID, or --user for all of a user's certificates")
        ca_id = login_ca_id(self.ca, parsed_args.login_ca)
        if parsed_args.certificate:
            revoked = [self.ca.revoke_user_certificate(ca_id, parsed_args.certificate, parsed_args.reason)]
        else:
            revoked = self.ca.revoke_user_certificates(ca_id, user_of(self, parsed_args), parsed_args.reason)
        return common.table((flat_user(c) for c in revoked), ("id", "status", "user_name", "serial", "revoked_at",
                                                               "revocation_reason"))
