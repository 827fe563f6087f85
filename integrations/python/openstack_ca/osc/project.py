"""The project's settings and records: `openstack ca webhook set|show|unset`, `ca event list`,
`ca policy list`."""
from __future__ import annotations

import argparse

from openstack_ca.osc import common


class SetWebhook(common.ShowOne):
    """Set the project's webhook; the signing secret is shown this once (setting again rotates it)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--url", metavar="<url>", required=True, help="https URL to deliver to")
        parser.add_argument("--event", dest="events", action="append", metavar="<action>",
                            help="Deliver only this event, e.g. certificate.expiring (repeat for more)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        answer = self.ca.set_webhook(parsed_args.url, parsed_args.events)
        return common.show({**answer["webhook"], "secret": answer.get("secret")}, ("url", "events"))


class ShowWebhook(common.ShowOne):
    """Show the project's webhook"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.get_webhook(), ("url", "events"))


class UnsetWebhook(common.Command):
    """Remove the project's webhook"""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.ca.delete_webhook()


class ListEvent(common.Lister):
    """List the project's audit events, newest first"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--action", metavar="<action>", help="Only this action, e.g. job.succeeded")
        parser.add_argument("--object", metavar="<id>", help="Only events about this object")
        parser.add_argument("--limit", type=int, default=50, metavar="<n>", help="At most this many (default 50)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        events = self.ca.list_events(parsed_args.action, parsed_args.object, parsed_args.limit)
        return common.table(events, ("time", "action", "outcome", "object_type", "object_id", "user_id", "reason"),
                            {"object_type": lambda e: (e.get("object") or {}).get("type"),
                             "object_id": lambda e: (e.get("object") or {}).get("id")})


class ListPolicy(common.Lister):
    """List the policy rules in force (defaults merged with the deployment's policy file)"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        answer = self.ca.get_policies()
        rules = sorted(answer.get("policies", {}).items())
        source = answer.get("source")
        return ("rule", "check", "source"), ((name, text, source) for name, text in rules)
