"""What the `openstack ca` commands share: the client, API errors as CommandError, --wait, and
turning API objects into (columns, values)."""
from __future__ import annotations

import argparse
import re
from typing import Any, Callable, Iterable, Optional, Sequence

from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command

from openstack_ca.client import ApiError, CAClient
from openstack_ca.enroll import EnrollError, EnrollmentFailed, EnrollmentTimeout
from openstack_ca.jobs import JobFailed, JobTimeout, wait_for_job

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
KEY_TYPES = ("RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384", "Ed25519")
SUBJECT_FIELDS = (("cn", "CN", "common name"), ("o", "O", "organization"), ("ou", "OU", "organizational unit"),
                  ("c", "C", "country (2 letters)"), ("st", "ST", "state or province"), ("l", "L", "locality"))
HIDDEN = ("links",)


class CACommand:
    """Mixin for every command: API, job and enrollment failures become CommandError (a message,
    exit 1, no traceback); `self.ca` is the client."""

    app: Any

    @property
    def ca(self) -> CAClient:
        return self.app.client_manager.ca

    def run(self, parsed_args: argparse.Namespace) -> int:
        try:
            return super().run(parsed_args)  # type: ignore[misc]
        except (ApiError, JobFailed, JobTimeout, EnrollError, EnrollmentFailed, EnrollmentTimeout) as e:
            raise exceptions.CommandError(str(e)) from e

    def wait(self, parsed_args: argparse.Namespace, job: dict) -> Optional[dict]:
        """With --wait: follow the job, its state changes on stderr; None without --wait."""
        if not getattr(parsed_args, "wait", False):
            return None
        job_id = job["id"]

        def progress(j: dict, elapsed: float) -> None:
            self.app.stderr.write(f"job {job_id} ({j.get('kind')}): {j.get('status')} after {elapsed:.1f} s\n")
            self.app.stderr.flush()

        return wait_for_job(self.ca, job_id, timeout=parsed_args.wait_timeout, progress=progress)


class Command(CACommand, command.Command):
    pass


class ShowOne(CACommand, command.ShowOne):
    pass


class Lister(CACommand, command.Lister):
    pass


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true",
                        help="Wait for the job to finish (its progress on stderr); fail if the job fails")
    parser.add_argument("--wait-timeout", type=float, default=300.0, metavar="<seconds>",
                        help="How long --wait waits (default 300)")


def add_subject_options(parser: argparse.ArgumentParser, cn_required: bool = False) -> None:
    for opt, field, meaning in SUBJECT_FIELDS:
        parser.add_argument(f"--subject-{opt}", metavar=f"<{field}>", dest=f"subject_{opt}",
                            required=cn_required and field == "CN", help=f"Subject {meaning} ({field})")


def subject_from(parsed_args: argparse.Namespace) -> dict[str, str]:
    return {field: getattr(parsed_args, f"subject_{opt}") for opt, field, _ in SUBJECT_FIELDS
            if getattr(parsed_args, f"subject_{opt}", None)}


def add_bool_pair(parser: argparse.ArgumentParser, name: str, help_on: str) -> None:
    """--<name> / --no-<name>, None when neither is given (the API's default applies)."""
    dest = name.replace("-", "_")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(f"--{name}", dest=dest, action="store_true", default=None, help=help_on)
    group.add_argument(f"--no-{name}", dest=dest, action="store_false", help=f"The opposite of --{name}")


def format_value(value: Any) -> Any:
    if isinstance(value, dict):
        return format_columns.DictColumn(value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value) and value:
        return format_columns.ListDictColumn(value)
    if isinstance(value, list):
        return format_columns.ListColumn(value)
    return value


def show(obj: dict, first: Sequence[str] = ("id",), hidden: Iterable[str] = HIDDEN) -> tuple[tuple, tuple]:
    """ShowOne output of an API object: `first` columns, then the others sorted."""
    hidden = set(hidden)
    rest = sorted(k for k in obj if k not in first and k not in hidden)
    columns = tuple([c for c in first if c in obj] + rest)
    return columns, tuple(format_value(obj[c]) for c in columns)


def table(items: Iterable[dict], columns: Sequence[str],
          derive: Optional[dict[str, Callable[[dict], Any]]] = None) -> tuple[tuple, Iterable[tuple]]:
    """Lister output: the named columns; `derive` computes a column from the object."""
    derive = derive or {}

    def row(item: dict) -> tuple:
        return tuple(format_value(derive[c](item) if c in derive else item.get(c)) for c in columns)

    return tuple(columns), (row(i) for i in items)


def read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise exceptions.CommandError(f"cannot read {path}: {e.strerror}") from e


def find_ca(client: CAClient, name_or_id: str) -> dict:
    """A CA by id, or by name when exactly one of the project's CAs has it."""
    if UUID.match(name_or_id):
        return client.get_ca(name_or_id)
    matches = [c for c in client.list_cas() if c.get("name") == name_or_id]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ApiError(404, "CA_NOT_FOUND", f"no CA with the id or name {name_or_id!r}")
    raise exceptions.CommandError(f"{len(matches)} CAs are named {name_or_id!r}: give the id")


def ca_id(client: CAClient, name_or_id: str) -> str:
    return name_or_id if UUID.match(name_or_id) else find_ca(client, name_or_id)["id"]


def subject_cn(obj: dict) -> Optional[str]:
    """The CN of a subject given as fields ({"CN": ...}: CAs) or as a string ("CN=...,O=...": certificates)."""
    subject = obj.get("subject") or {}
    if isinstance(subject, dict):
        return subject.get("CN")
    match = re.search(r"(?:^|[,/+]\s*)CN=((?:\\.|[^,+])*)", str(subject))
    return match.group(1) if match else None
