"""`openstack ca create|list|show|rotate|reissue|chain`."""
from __future__ import annotations

import argparse
from typing import Any

from openstack_ca.osc import common

CA_FIRST = ("id", "name", "status", "subject", "key_type")
CA_COLUMNS = ("id", "name", "status", "subject_cn", "key_type", "parent_ca_id", "not_after")
CONSTRAINTS = ("permitted_dns", "excluded_dns", "permitted_ip", "excluded_ip", "permitted_email", "excluded_email")


def create_body(parsed_args: argparse.Namespace, parent_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": common.subject_from(parsed_args)}
    for key in ("name", "key_type", "validity_days", "path_len"):
        if getattr(parsed_args, key) is not None:
            body[key] = getattr(parsed_args, key)
    if parent_id:
        body["parent_ca_id"] = parent_id
    if parsed_args.external:
        body["external"] = True
    constraints = {k: getattr(parsed_args, k) for k in CONSTRAINTS if getattr(parsed_args, k)}
    if constraints:
        body["name_constraints"] = constraints
    return body


class CreateCA(common.ShowOne):
    """Create a root CA, an intermediate (--parent) or an external intermediate (--external)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", nargs="?", help="Name of the CA (optional)")
        common.add_subject_options(parser, cn_required=True)
        parser.add_argument("--key-type", choices=common.KEY_TYPES, help="Key type (default EC-P256)")
        parser.add_argument("--validity-days", type=int, metavar="<days>", help="Validity (default 3650)")
        parser.add_argument("--parent", metavar="<ca>", help="Parent CA (name or ID): make an intermediate")
        parser.add_argument("--path-len", type=int, metavar="<n>", help="basicConstraints pathLenConstraint")
        parser.add_argument("--external", action="store_true",
                            help="An intermediate signed outside the service: a CSR now, the certificate later")
        for key in CONSTRAINTS:
            parser.add_argument(f"--{key.replace('_', '-')}", dest=key, action="append", metavar="<name>",
                                help=f"Name constraint {key} (repeat for more)")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        parent = common.ca_id(self.ca, parsed_args.parent) if parsed_args.parent else None
        answer = self.ca.create_ca(create_body(parsed_args, parent))
        ca = answer["ca"]
        if self.wait(parsed_args, answer["job"]):
            ca = self.ca.get_ca(ca["id"])
        return common.show(ca, CA_FIRST)


class ListCA(common.Lister):
    """List the project's CAs"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--limit", type=int, metavar="<n>", help="At most this many")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.table(self.ca.list_cas(parsed_args.limit), CA_COLUMNS, {"subject_cn": common.subject_cn})


class ShowCA(common.ShowOne):
    """Show a CA (its certificate once active)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(common.find_ca(self.ca, parsed_args.ca), CA_FIRST)


class RotateCA(common.ShowOne):
    """Roll a CA over to a new key and certificate for the same name"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        answer = self.ca.rotate_ca(common.ca_id(self.ca, parsed_args.ca))
        ca = answer["ca"]
        if self.wait(parsed_args, answer["job"]):
            ca = self.ca.get_ca(ca["id"])
        return common.show(ca, CA_FIRST)


class ReissueCA(common.Lister):
    """Re-issue every live certificate of a CA (one job each)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        parser.add_argument("--limit", type=int, metavar="<n>", help="At most this many certificates per call")
        parser.add_argument("--marker", metavar="<id>", help="Continue after this certificate")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        answer = self.ca.reissue_ca(common.ca_id(self.ca, parsed_args.ca), parsed_args.limit, parsed_args.marker)
        rows = []
        for item in answer.get("reissued", []):
            job = self.wait(parsed_args, item["job"]) or item["job"]
            rows.append({**item, "job_id": job["id"], "job_status": job["status"]})
        if answer.get("next"):
            self.app.stderr.write(f"more certificates to reissue: {answer['next']}\n")
        return common.table(rows, ("certificate_id", "new_certificate_id", "job_id", "job_status"))


class ShowChain(common.ShowOne):
    """Show a CA's chain up to the root (-f value -c pem for the PEM bundle)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        parser.add_argument("--cross", action="store_true",
                            help="After a rotation: the cross certificate and the old root")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        chain = self.ca.get_chain(common.ca_id(self.ca, parsed_args.ca), parsed_args.cross)
        return ("length", "pem"), (len(chain.get("chain", [])), chain.get("pem", ""))
