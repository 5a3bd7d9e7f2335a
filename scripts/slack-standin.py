#!/usr/bin/env python3
"""A loopback stand-in for Slack, for the demo: it takes what the bot sends (Web API calls and
replies to a button's response_url), prints each one in a line, and answers as Slack does.

usage: slack-standin.py PORT_FILE LOG_FILE   (listens on 127.0.0.1, a free port, written to PORT_FILE)
"""
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()
posted = []


def log(line):
    with lock, open(log_file, "a") as out:
        out.write(line + "\n")


class Slack(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/api/conversations.history"):
            with lock:
                messages = [{"ts": ts, "metadata": m.get("metadata", {})} for ts, m in reversed(posted)]
            return self.answer({"ok": True, "messages": messages})
        self.answer({"ok": False, "error": "unknown_method"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        text = body.get("text", "")
        if self.path == "/api/chat.postMessage":
            with lock:
                ts = "1764331200.%06d" % (len(posted) + 1)
                posted.append((ts, body))
            buttons = [e.get("action_id") for b in body.get("blocks", []) if b.get("type") == "actions" for e in b["elements"]]
            log("chat.postMessage %s: %s%s" % (body.get("channel"), text, "  [buttons: %s]" % ", ".join(buttons) if buttons else ""))
            return self.answer({"ok": True, "channel": body.get("channel"), "ts": ts})
        if self.path == "/api/chat.update":
            log("chat.update %s %s: %s" % (body.get("channel"), body.get("ts"), text))
            return self.answer({"ok": True, "channel": body.get("channel"), "ts": body.get("ts")})
        if self.path == "/respond":
            kind = "replaces the message" if body.get("replace_original") else "to the presser only"
            log("response_url (%s): %s" % (kind, text))
            return self.answer({"ok": True})
        self.answer({"ok": False, "error": "unknown_method"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Slack)
with open(port_file, "w") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
