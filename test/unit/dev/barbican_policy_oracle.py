"""The reference for dev/barbicanPolicy.ts's policy: Debian's python3-barbican registers its real default rules
in oslo.policy, as the Barbican API does. Reads one JSON list of {"action", "target", "creds"} on stdin,
writes the JSON list of answers (true/false). With --rules, writes the names of the registered rules instead."""
import json
import sys
import warnings

warnings.simplefilter('ignore')

from oslo_config import cfg  # noqa: E402
from oslo_policy import policy  # noqa: E402

from barbican.common import policies  # noqa: E402

conf = cfg.ConfigOpts()
conf([], project='barbican', default_config_files=[], default_config_dirs=[])
enforcer = policy.Enforcer(conf)
enforcer.register_defaults(policies.list_rules())
enforcer.load_rules()

if sys.argv[1:] == ['--rules']:
    json.dump(sorted(r.name for r in policies.list_rules()), sys.stdout)
    sys.exit(0)

answers = []
for case in json.load(sys.stdin):
    target = dict(case['target'])
    # As barbican.api.controllers._do_enforce_rbac builds it.
    target['enforce_new_defaults'] = conf.oslo_policy.enforce_new_defaults
    answers.append(bool(enforcer.enforce(case['action'], target, case['creds'])))
json.dump(answers, sys.stdout)
