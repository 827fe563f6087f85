"""`openstack ca acme eab create|list`, `ca acme account list`, `ca acme order list|show`."""
from __future__ import annotations

import argparse

from openstack_ca.osc import common


class CreateEAB(common.ShowOne):
    """Mint an ACME External Account Binding key for a CA's directory (the HMAC key is shown this once)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        parser.add_argument("--expires-in", type=int, metavar="<seconds>",
                            help="Seconds the key may bind an account (default 7 days, at most 30)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        key = self.ca.create_eab_key(common.ca_id(self.ca, parsed_args.ca), parsed_args.expires_in)
        return common.show(key, ("kid", "hmac_key", "directory_url", "expires_at"))


class ListEAB(common.Lister):
    """List a CA's EAB keys (never their HMAC key)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("ca", metavar="<ca>", help="CA (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        keys = self.ca.list_eab_keys(common.ca_id(self.ca, parsed_args.ca))
        return common.table(keys, ("kid", "status", "account_id", "expires_at", "wildcard_allowed", "ttl_beyond_max"))


class ListAccount(common.Lister):
    """List the project's ACME accounts"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--ca", metavar="<ca>", help="Only this CA's (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        ca_id = common.ca_id(self.ca, parsed_args.ca) if parsed_args.ca else None
        return common.table(self.ca.list_acme_accounts(ca_id),
                            ("id", "ca_id", "status", "contact", "eab_kid", "created_at"))


class ListOrder(common.Lister):
    """List the project's ACME orders"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--ca", metavar="<ca>", help="Only this CA's (name or ID)")
        parser.add_argument("--account", metavar="<id>", help="Only this account's")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        ca_id = common.ca_id(self.ca, parsed_args.ca) if parsed_args.ca else None
        orders = self.ca.list_acme_orders(ca_id, parsed_args.account)
        return common.table(orders, ("id", "ca_id", "account_id", "status", "identifiers", "certificate_id"),
                            {"identifiers": lambda o: [f"{i.get('type')}:{i.get('value')}"
                                                       for i in o.get("identifiers", [])]})


class ShowOrder(common.ShowOne):
    """Show an ACME order with its authorizations"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("order", metavar="<order>", help="Order ID")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.get_acme_order(parsed_args.order), ("id", "ca_id", "account_id", "status"))
