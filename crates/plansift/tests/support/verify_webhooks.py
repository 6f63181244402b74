"""Verifies recorded webhook deliveries with the Standard Webhooks reference library.

Usage: verify_webhooks.py DELIVERIES.json SECRET
DELIVERIES.json: [{"headers": {...}, "body": "..."}]; SECRET: the job's wss_… secret.
Prints the number verified; exits non-zero on the first delivery that does not verify.
"""
import json
import sys

from standardwebhooks.webhooks import Webhook

deliveries = json.load(open(sys.argv[1]))
secret = sys.argv[2]
assert secret.startswith("wss_"), secret
hook = Webhook(secret[len("wss_"):])
for d in deliveries:
    payload = hook.verify(d["body"], d["headers"])
    assert payload["id"] == d["headers"]["webhook-id"], payload
print(len(deliveries))
