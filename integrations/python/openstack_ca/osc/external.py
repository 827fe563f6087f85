"""External intermediate CAs: `openstack ca csr show|regenerate`, `openstack ca certificate upload`."""
from __future__ import annotations

import argparse

from openstack_ca.osc import common
from openstack_ca.osc.cas import CA_FIRST


class ShowCSR(common.ShowOne):
    """Show an external CA's CSR (-f value -c csr for the PEM)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.get_csr(common.ca_id(self.ca, parsed_args.ca)), ("status", "subject"))


class RegenerateCSR(common.ShowOne):
    """Make a new CSR for another subject (same key)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        common.add_subject_options(parser, cn_required=True)
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        ca_id = common.ca_id(self.ca, parsed_args.ca)
        answer = self.ca.regenerate_csr(ca_id, common.subject_from(parsed_args))
        if self.wait(parsed_args, answer["job"]):
            return common.show(self.ca.get_csr(ca_id), ("status", "subject"))
        return common.show(answer["ca"], CA_FIRST)


class UploadCACertificate(common.ShowOne):
    """Install an external CA's certificate and its chain up to the root"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        parser.add_argument("--certificate", metavar="<file>", required=True,
                            help="PEM file: the certificate your CA issued for the CSR")
        parser.add_argument("--chain", metavar="<file>", required=True,
                            help="PEM file: every external intermediate and the root, any order")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        ca_id = common.ca_id(self.ca, parsed_args.ca)
        answer = self.ca.upload_ca_certificate(ca_id, common.read_file(parsed_args.certificate),
                                               common.read_file(parsed_args.chain))
        ca = answer["ca"]
        if self.wait(parsed_args, answer["job"]):
            ca = self.ca.get_ca(ca_id)
        return common.show(ca, CA_FIRST)
