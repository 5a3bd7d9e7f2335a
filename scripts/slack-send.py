#!/usr/bin/env python3
"""Sends a request to shiplog serve exactly as Slack would: form-encoded, signed with v0
(HMAC-SHA256 of "v0:<timestamp>:<body>" under the signing secret). Prints the answer.

usage: slack-send.py URL SECRET command USER_ID TEXT
       slack-send.py URL SECRET press USER_ID ACTION DEPLOY_ID RESPONSE_URL
"""
import hashlib, hmac, json, sys, time, urllib.parse, urllib.request, uuid

url, secret, kind, user = sys.argv[1:5]
if kind == "command":
    fields = {"team_id": "T0DEMO", "channel_id": "C0DEMO", "user_id": user, "command": "/shiplog", "text": sys.argv[5],
              "response_url": "https://hooks.slack.com/commands/T0DEMO/1/demo", "trigger_id": str(uuid.uuid4())}
    path = "/slack/commands"
else:
    action, deploy, response_url = sys.argv[5:8]
    payload = {"type": "block_actions", "user": {"id": user, "team_id": "T0DEMO"}, "team": {"id": "T0DEMO"},
               "channel": {"id": "C0DEMO"}, "trigger_id": str(uuid.uuid4()), "response_url": response_url,
               "actions": [{"action_id": action, "value": deploy, "action_ts": "%.6f" % time.time()}]}
    fields = {"payload": json.dumps(payload)}
    path = "/slack/interactions"
body = urllib.parse.urlencode(fields).encode()
timestamp = str(int(time.time()))
signature = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
request = urllib.request.Request(url + path, data=body, method="POST", headers={
    "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature})
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        print(json.loads(text).get("text", "") if text else "(%d)" % response.status)
except urllib.error.HTTPError as error:
    print("HTTP %d: %s" % (error.code, error.read().decode()))
