"""The machine's side of Keystone login certificates, without a Keystone token (`auth_required =
False`; the endpoint comes from --os-ca-endpoint / OS_CA_ENDPOINT or clouds.yaml's
ca_endpoint_override): `openstack ca enroll`, `ca machine-enrollment create`, `ca enrollment
approve`, `ca user-certificate renew`. A one-time password or the key of the machine's current
certificate authenticates; keys are made here and never leave the machine."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any, Optional

from osc_lib import exceptions

from openstack_ca import enroll
from openstack_ca.osc import common
from openstack_ca.osc.login_cas import ENROLLMENT_FIRST, duration

OTP_ENV = "OS_CA_ONE_TIME_PASSWORD"
WRITTEN_FIRST = ("enrollment_id", "status", "user", "certificate_id", "serial", "not_after", "key_file",
                 "certificate_file", "chain_file", "csr_sha256")


class MachineCommand:
    """No token: osc-lib neither authenticates nor asks the catalog."""

    auth_required = False
    app: Any

    def progress(self, enrollment: dict, elapsed: float) -> None:
        status = enrollment.get("status")
        line = f"enrollment {enrollment.get('id')}: {status} after {elapsed:.1f} s"
        if status == "awaiting_approval":
            line += (f"\nCSR sha256: {enrollment.get('csr_sha256')}\n"
                     f"approve it from the machine that asked for the one-time password:\n"
                     f"  openstack ca enrollment approve {enrollment.get('id')} --cert <its certificate> "
                     f"--key <its key> --csr-sha256 {enrollment.get('csr_sha256')}")
        self.app.stderr.write(line + "\n")
        self.app.stderr.flush()


def add_credential_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--cert", metavar="<file>", required=True, help=f"This machine's user certificate (PEM), {what}")
    parser.add_argument("--key", metavar="<file>", required=True, help="Its private key (PEM)")


def add_output_options(parser: argparse.ArgumentParser, key_required: bool = True) -> None:
    parser.add_argument("--key-out", metavar="<file>", required=key_required,
                        help="Write the new private key here (mode 0600), before anything is sent")
    parser.add_argument("--cert-out", metavar="<file>", required=True, help="Write the certificate here (PEM)")
    parser.add_argument("--chain-out", metavar="<file>", help="Write the login CA's certificate here (PEM)")
    parser.add_argument("--force", action="store_true", help="Replace an existing --key-out file")


def written(result: enroll.Written) -> tuple[tuple, tuple]:
    e = result.enrollment
    return common.show({"enrollment_id": e.get("id"), "status": e.get("status"), "user": e.get("user"),
                        "certificate_id": e.get("certificate_id"), "serial": e.get("serial"),
                        "not_after": e.get("not_after"), "key_file": result.key,
                        "certificate_file": result.certificate, "chain_file": result.chain,
                        "csr_sha256": e.get("csr_sha256"), "kind": e.get("kind"), "renews": e.get("renews")},
                       WRITTEN_FIRST)


def kept_key_hint(err: Exception, enrollment_id: Optional[str], key_path: Optional[str], cert_out: str) -> str:
    """After a timeout (the service has the CSR): where the key is, and how to collect the certificate later."""
    if not isinstance(err, enroll.EnrollmentTimeout) or not key_path or not enrollment_id:
        return str(err)
    return (f"{err}\nthe key stays in {key_path}; to wait again: openstack ca enroll {enrollment_id} --resume "
            f"--key {key_path} --cert-out {cert_out}")


def one_time_password(parsed_args: argparse.Namespace, stdin: Any) -> str:
    """--one-time-password, --one-time-password-file (- for stdin), $OS_CA_ONE_TIME_PASSWORD, or a prompt."""
    if parsed_args.one_time_password:
        return parsed_args.one_time_password
    if parsed_args.one_time_password_file:
        if parsed_args.one_time_password_file == "-":
            text = stdin.readline()
        else:
            text = common.read_file(parsed_args.one_time_password_file)
        if text.strip():
            return text.strip()
        raise exceptions.CommandError("the one-time password file is empty")
    if os.environ.get(OTP_ENV):
        return os.environ[OTP_ENV].strip()
    if getattr(stdin, "isatty", lambda: False)():
        entered = getpass.getpass("One-time password: ")
        if entered.strip():
            return entered.strip()
    raise exceptions.CommandError(f"give the one-time password: --one-time-password, --one-time-password-file "
                                  f"(- for stdin) or {OTP_ENV}")


class Enroll(MachineCommand, common.ShowOne):
    """Enroll this machine: a new key and CSR, the one-time password redeemed, wait for the certificate"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("enrollment", metavar="<enrollment>", help="Enrollment ID (given with the one-time password)")
        parser.add_argument("--one-time-password", metavar="<password>",
                            help=f"The one-time password (or --one-time-password-file, {OTP_ENV}, or a prompt)")
        parser.add_argument("--one-time-password-file", metavar="<file>", help="Read it from this file (- for stdin)")
        add_output_options(parser, key_required=False)
        parser.add_argument("--key-type", choices=enroll.KEY_TYPES, default=enroll.DEFAULT_KEY_TYPE,
                            help=f"The new key's type (default {enroll.DEFAULT_KEY_TYPE})")
        parser.add_argument("--key", metavar="<file>", help="Use this existing private key instead of making one")
        parser.add_argument("--resume", action="store_true",
                            help="The one-time password was redeemed already (an earlier run stopped waiting): "
                                 "only wait for the certificate of --key")
        parser.add_argument("--wait-timeout", type=float, default=1200.0, metavar="<seconds>",
                            help="How long to wait for the certificate, approval included (default 1200)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        if not parsed_args.key and not parsed_args.key_out:
            raise exceptions.CommandError("give --key-out (a new key is written there) or --key (an existing key)")
        if parsed_args.resume and not parsed_args.key:
            raise exceptions.CommandError("--resume needs --key, the key whose CSR was redeemed")
        key = enroll.load_private_key(enroll.read_bytes(parsed_args.key), parsed_args.key) if parsed_args.key else None
        otp = None if parsed_args.resume else one_time_password(parsed_args, getattr(self.app, "stdin", sys.stdin))
        key_path = parsed_args.key or parsed_args.key_out
        try:
            result = enroll.enroll(self.ca, parsed_args.enrollment, otp, parsed_args.cert_out, key=key,
                                   key_out=parsed_args.key_out if key is None else None, key_type=parsed_args.key_type,
                                   chain_out=parsed_args.chain_out, force=parsed_args.force,
                                   timeout=parsed_args.wait_timeout, progress=self.progress)
        except (enroll.EnrollmentFailed, enroll.EnrollmentTimeout) as e:
            raise exceptions.CommandError(kept_key_hint(e, parsed_args.enrollment, key_path, parsed_args.cert_out)) from e
        return written(result)


class CreateMachineEnrollment(MachineCommand, common.ShowOne):
    """Make a one-time password for another machine of this machine's user (signed with this machine's key)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--login-ca", metavar="<login-ca-id>",
                            help="Login CA ID (default: the one that issued --cert)")
        add_credential_options(parser, "which signs the request")
        parser.add_argument("--expires-in", type=duration, metavar="<duration>",
                            help="How long the one-time password can be redeemed (default 15m, 60s to 1h)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        cert, key = enroll.load_credentials(parsed_args.cert, parsed_args.key)
        answer = enroll.mint(self.ca, cert, key, parsed_args.login_ca, parsed_args.expires_in)
        e = answer["enrollment"]
        self.app.stderr.write(f"on the new machine: openstack ca enroll {e['id']} --key-out <key file> "
                              f"--cert-out <certificate file>; then approve it here: openstack ca enrollment approve "
                              f"{e['id']} --cert {parsed_args.cert} --key {parsed_args.key} --csr-sha256 <what it shows>\n")
        return common.show({**e, "one_time_password": answer["one_time_password"]},
                           ("id", "one_time_password", "status", "user", "expires_at", "login_ca_id"))


class ApproveEnrollment(MachineCommand, common.ShowOne):
    """Approve a new machine's CSR (the fingerprint it shows) with this machine's certificate"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("enrollment", metavar="<enrollment>", help="Enrollment ID (of machine-enrollment create)")
        add_credential_options(parser, "the one that asked for the one-time password")
        parser.add_argument("--csr-sha256", metavar="<fingerprint>",
                            help="The CSR sha256 the new machine shows: refused here if the pending CSR's differs")
        parser.add_argument("--yes", action="store_true",
                            help="Without --csr-sha256: approve the pending CSR without asking")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        cert, key = enroll.load_credentials(parsed_args.cert, parsed_args.key)
        pending = self.ca.get_enrollment(parsed_args.enrollment)
        digest = enroll.check_fingerprint(pending, parsed_args.csr_sha256)
        if parsed_args.csr_sha256 is None and not parsed_args.yes:
            self.confirm(pending, digest)
        approved = enroll.approve(self.ca, parsed_args.enrollment, cert, key, digest, enrollment=pending)
        return common.show(approved, ENROLLMENT_FIRST)

    def confirm(self, pending: dict, digest: str) -> None:
        stdin = getattr(self.app, "stdin", sys.stdin)
        if not getattr(stdin, "isatty", lambda: False)():
            raise exceptions.CommandError(f"enrollment {pending.get('id')} waits with CSR sha256 {digest}: give "
                                          "--csr-sha256 <what the new machine shows> (or --yes to approve it unseen)")
        user = (pending.get("user") or {}).get("name")
        self.app.stderr.write(f"enrollment {pending.get('id')} of {user}: CSR sha256 {digest}\n"
                              "Is that what the new machine shows? [y/N] ")
        self.app.stderr.flush()
        if stdin.readline().strip().lower() not in ("y", "yes"):
            raise exceptions.CommandError("not approved")


class RenewUserCertificate(MachineCommand, common.ShowOne):
    """Renew this machine's user certificate: a new key, signed for with the current one"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--login-ca", metavar="<login-ca-id>",
                            help="Login CA ID (default: the one that issued --cert)")
        add_credential_options(parser, "still valid")
        add_output_options(parser)
        parser.add_argument("--key-type", choices=enroll.KEY_TYPES,
                            help="The new key's type (default: the current key's)")
        parser.add_argument("--wait-timeout", type=float, default=300.0, metavar="<seconds>",
                            help="How long to wait for the certificate (default 300)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        cert, key = enroll.load_credentials(parsed_args.cert, parsed_args.key)
        try:
            result = enroll.renew(self.ca, cert, key, parsed_args.cert_out, key_out=parsed_args.key_out,
                                  current_key_path=parsed_args.key, login_ca_id=parsed_args.login_ca,
                                  key_type=parsed_args.key_type, chain_out=parsed_args.chain_out,
                                  force=parsed_args.force, timeout=parsed_args.wait_timeout, progress=self.progress)
        except (enroll.EnrollmentFailed, enroll.EnrollmentTimeout) as e:
            raise exceptions.CommandError(kept_key_hint(e, e.enrollment.get("id"), parsed_args.key_out,
                                                        parsed_args.cert_out)) from e
        return written(result)
