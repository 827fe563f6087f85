"""Octavia's own GenerateServerPEMTask with octavia.conf given as argv[1], for amphora argv[2].

Octavia loads [certificates] cert_generator through stevedore (namespace octavia.cert_generator),
so the generator must be an installed entry point. Prints JSON: the generator's class and the
decrypted PEM (certificate + private key) that Octavia would store for the amphora.
"""
import json
import sys

from cryptography import fernet
from octavia.common import config  # noqa: F401 (registers Octavia's options on cfg.CONF)
from octavia.common import utils
from octavia.controller.worker.v2.tasks import cert_task
from oslo_config import cfg


def main(conf_file: str, amphora_id: str) -> None:
    cfg.CONF(["--config-file", conf_file], project="octavia")
    task = cert_task.GenerateServerPEMTask()
    encrypted = task.execute(amphora_id)
    pem = fernet.Fernet(utils.get_compatible_server_certs_key_passphrase()).decrypt(encrypted.encode()).decode()
    generator = type(task.cert_generator)
    print(json.dumps({"generator": f"{generator.__module__}.{generator.__name__}", "pem": pem}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
