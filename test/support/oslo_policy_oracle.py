"""The reference: python3-oslo.policy (Debian) answers JSON lines {"rules", "rule", "target", "creds"}
with {"allowed": bool} or {"error": "..."}; one long-lived process keeps the differential test fast."""
import json
import sys

from oslo_config import cfg
from oslo_policy import policy

conf = cfg.ConfigOpts()
conf([], project='ca-oracle')
enforcer = policy.Enforcer(conf, use_conf=False)

for line in sys.stdin:
    case = json.loads(line)
    try:
        enforcer.set_rules(policy.Rules.from_dict(case['rules']), overwrite=True, use_conf=False)
        allowed = enforcer.enforce(case['rule'], case['target'], case['creds'])
        out = {'allowed': bool(allowed)}
    except Exception as e:  # noqa: BLE001 - the test reports it
        out = {'error': '%s: %s' % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
