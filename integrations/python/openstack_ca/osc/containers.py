"""`openstack ca container register|list|show`: your own Barbican certificate containers."""
from __future__ import annotations

import argparse

from openstack_ca.osc import common

FIRST = ("id", "name", "status", "container_ref", "subject", "sans", "not_after", "failure_reason")


class RegisterContainer(common.ShowOne):
    """Register a Barbican certificate container (grant the service a read ACL and tag each secret first)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("container_ref", metavar="<container-ref>",
                            help="Barbican container reference (https://.../v1/containers/<uuid>)")
        parser.add_argument("--name", metavar="<name>", help="A name for it")
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        answer = self.ca.register_container(parsed_args.container_ref, parsed_args.name)
        container = answer["container"]
        if self.wait(parsed_args, answer["job"]):
            container = self.ca.get_container(container["id"])
        return common.show(container, FIRST)


class ListContainer(common.Lister):
    """List the registered containers"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.table(self.ca.list_containers(), ("id", "name", "status", "subject_cn", "not_after"),
                            {"subject_cn": common.subject_cn})


class ShowContainer(common.ShowOne):
    """Show a registered container (never its key)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("container", metavar="<container>", help="Registered container ID")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return common.show(self.ca.get_container(parsed_args.container), FIRST)
