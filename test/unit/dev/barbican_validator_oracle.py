"""The reference for dev/barbicanValidators.ts's request bodies: Debian's python3-barbican's own validators, run as
api.load_body runs them (strings trimmed first). argv[1] is the host_href (the development server's URL).
Reads one JSON list of {"validator", "body"} on stdin, writes the JSON list of {"ok": normalized body} or
{"status", "description"} (what load_body aborts with)."""
import json
import sys
import warnings

warnings.simplefilter('ignore')

from barbican import api  # noqa: E402
from barbican.common import config  # noqa: E402
from barbican.common import exception  # noqa: E402
from barbican.common import validators  # noqa: E402

config.CONF([], project='barbican', default_config_files=[], default_config_dirs=[])
config.CONF.set_override('host_href', sys.argv[1])

VALIDATORS = {
    'Container': validators.ContainerValidator(),
    'ContainerSecret': validators.ContainerSecretValidator(),
    'SecretMetadata': validators.NewSecretMetadataValidator(),
    'SecretMetadatum': validators.NewSecretMetadatumValidator(),
    'ACL': validators.ACLValidator(),
}

answers = []
for case in json.load(sys.stdin):
    body = case['body']
    api.strip_whitespace(body)
    try:
        answers.append({'ok': VALIDATORS[case['validator']].validate(body)})
    except exception.BarbicanHTTPException as e:
        answers.append({'status': e.status_code, 'description': e.client_message})
json.dump(answers, sys.stdout)
