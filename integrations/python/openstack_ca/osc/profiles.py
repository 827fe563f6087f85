"""`openstack ca profile set|list|delete`: a CA's issuance profiles."""
from __future__ import annotations

import argparse
import json
from typing import Any

from osc_lib import exceptions

from openstack_ca.osc import common

BOOLEANS = (("allow-any-name", "Allow any DNS name"), ("allow-wildcard", "Allow *. names"),
            ("allow-ip-sans", "Allow IP names"), ("allow-email-sans", "Allow e-mail names"),
            ("cn-must-be-object-id", "The CN must be the request's object_id (Octavia's pattern)"),
            ("require-san", "At least one subject alternative name"))
LISTS = (("allowed-domain", "allowed_domains", "A name rule: example.org, .example.org, *.svc.example.org"),
         ("allowed-ip-range", "allowed_ip_ranges", "A CIDR range IP names must be in"),
         ("key-type", "key_types", "RSA, EC or Ed25519"),
         ("ext-key-usage", "ext_key_usages", "server_auth, client_auth, code_signing, email_protection"),
         ("key-usage", "key_usages", "digitalSignature, keyEncipherment, keyAgreement"),
         ("copy-subject-field", "copy_subject_fields", "A CSR subject field that reaches the certificate"))
INTEGERS = (("min-rsa-bits", "Smallest RSA key"), ("default-ttl", "Default lifetime (seconds)"),
            ("max-ttl", "Longest lifetime (seconds)"), ("backdate", "notBefore this many seconds back"))


def profile_body(parsed_args: argparse.Namespace) -> dict[str, Any]:
    """The profile document: --from-file first, then each option given on top."""
    body: dict[str, Any] = {}
    if parsed_args.from_file:
        try:
            body = json.loads(common.read_file(parsed_args.from_file))
        except ValueError as e:
            raise exceptions.CommandError(f"{parsed_args.from_file} is not JSON: {e}") from e
        if not isinstance(body, dict):
            raise exceptions.CommandError(f"{parsed_args.from_file} must hold a JSON object")
    for name, _ in BOOLEANS:
        value = getattr(parsed_args, name.replace("-", "_"))
        if value is not None:
            body[name.replace("-", "_")] = value
    for opt, key, _ in LISTS:
        value = getattr(parsed_args, key)
        if value:
            body[key] = value
    for name, _ in INTEGERS:
        value = getattr(parsed_args, name.replace("-", "_"))
        if value is not None:
            body[name.replace("-", "_")] = value
    return body


class SetProfile(common.ShowOne):
    """Create or replace an issuance profile of a CA"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        parser.add_argument("name", metavar="<profile>", help="Profile name")
        parser.add_argument("--from-file", metavar="<file>", help="The profile as a JSON document")
        for name, meaning in BOOLEANS:
            common.add_bool_pair(parser, name, meaning)
        for opt, key, meaning in LISTS:
            parser.add_argument(f"--{opt}", dest=key, action="append", metavar="<value>",
                                help=f"{meaning} (repeat for more)")
        for name, meaning in INTEGERS:
            parser.add_argument(f"--{name}", type=int, metavar="<n>", help=meaning)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        profile = self.ca.set_profile(common.ca_id(self.ca, parsed_args.ca), parsed_args.name,
                                      profile_body(parsed_args))
        return common.show(profile, ("name",))


class ListProfile(common.Lister):
    """List a CA's issuance profiles (the built-in default included)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        profiles = self.ca.list_profiles(common.ca_id(self.ca, parsed_args.ca))
        return common.table(profiles, ("name", "allowed_domains", "allow_any_name", "allow_wildcard",
                                       "key_types", "default_ttl", "max_ttl"))


class DeleteProfile(common.Command):
    """Delete an issuance profile"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        parser.add_argument("name", metavar="<profile>", help="Profile name")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.ca.delete_profile(common.ca_id(self.ca, parsed_args.ca), parsed_args.name)
