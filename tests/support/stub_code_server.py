"""A stand-in for code-server, for fast tests of supervision and proxy logic.

Tests drive it through StubCodeServer (stub.py), which sets the STUB_* variables below.

It understands the flags the extension passes (--socket / --bind-addr) and behaves as
$STUB_MODE says: serve (default), crash, exit0 (serve, then exit 0 after $STUB_EXIT_AFTER s),
hang (accept connections, never answer), slow (wait $STUB_DELAY s before listening).
Each run appends a JSON line (pid, argv, selected env) to $STUB_RECORD; /echo returns the
request headers it received. Every request (method, path with query, headers, body) is appended
as a JSON line to $STUB_REQUESTS; POST is answered like GET, a websocket upgrade with a 101
(then the connection is closed; with $STUB_WS_HOLD=1 it is read to its end, so a test can
send messages through the proxy's websocket relay). $STUB_CSP is sent as a
Content-Security-Policy header.
With $STUB_CHILD=1 it starts a sleeping child in its own session, like code-server's terminals,
to test that nothing outlives it; $STUB_GROUP_CHILD=<file> starts one in the stub's process
group that writes <file> when it is asked to stop. With $STUB_WORKBENCH=1, "/" and "/vscode"
answer with a page like code-server's workbench (see workbench()).
Wedging, like a stuck code-server (its socket still listens and accepts, nothing answers):
SIGUSR1 wedges it at once, SIGUSR2 makes it answer again; $STUB_WEDGE_AFTER=<s> wedges it that
many seconds after it starts listening.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingUnixStreamServer


def arg(name):
    argv = sys.argv[1:]
    return argv[argv.index(name) + 1] if name in argv else None


if "--version" in sys.argv:
    print("4.99.0 stub with Code 1.99.0")
    sys.exit(0)

mode = os.environ.get("STUB_MODE", "serve")
record = os.environ.get("STUB_RECORD")
if record:
    with open(record, "a") as f:
        names = ("PORT", "PASSWORD", "VSCODE_IPC_HOOK_CLI", "HOME")
        names += ("JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
        env = {k: os.environ.get(k) for k in names}
        f.write(json.dumps({"pid": os.getpid(), "argv": sys.argv[1:], "env": env}) + "\n")

print("[stub] info  code-server 4.99.0 stub", flush=True)
if mode == "crash":
    print("[stub] error  simulated crash at start", flush=True)
    sys.exit(3)
if mode == "slow":
    time.sleep(float(os.environ.get("STUB_DELAY", "2")))
if os.environ.get("STUB_TERM_DELAY"):

    def slow_exit(signum, frame):
        time.sleep(float(os.environ["STUB_TERM_DELAY"]))
        os._exit(0)

    signal.signal(signal.SIGTERM, slow_exit)
if os.environ.get("STUB_GROUP_CHILD"):
    # like code-server's real server process: same process group, and on SIGTERM it needs a
    # moment to write its state (here: a file named by $STUB_GROUP_CHILD) before it exits
    subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, sys, time\n"
            "def bye(*_):\n"
            "    time.sleep(0.5)\n"
            "    open(sys.argv[1], 'w').write('written on the way out')\n"
            "    sys.exit(0)\n"
            "signal.signal(signal.SIGTERM, bye)\n"
            "open(sys.argv[1] + '.ready', 'w').close()\n"
            "while True:\n"
            "    time.sleep(1)\n",
            os.environ["STUB_GROUP_CHILD"],
        ],
        stdout=subprocess.DEVNULL,  # not holding our output pipe open: only its group is left
        stderr=subprocess.DEVNULL,
    )
if os.environ.get("STUB_CHILD"):
    subprocess.Popen(["sleep", "300"], start_new_session=True)


wedged = threading.Event()
unwedged = threading.Event()


def _wedge(*_):
    unwedged.clear()
    wedged.set()


def _unwedge(*_):
    wedged.clear()
    unwedged.set()


signal.signal(signal.SIGUSR1, _wedge)
signal.signal(signal.SIGUSR2, _unwedge)

requests_record = os.environ.get("STUB_REQUESTS")
record_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def record_request(self, body):
        if not requests_record:
            return
        line = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": list(self.headers.items()),
                "body": body.decode("latin-1"),
            }
        )
        with record_lock, open(requests_record, "a") as f:
            f.write(line + "\n")

    def parse_request(self):
        # wedged: the request was accepted and read, and no answer comes (until SIGUSR2)
        while wedged.is_set():
            unwedged.wait(1.0)
        return super().parse_request()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.record_request(body)
        self.answer()

    def do_GET(self):
        self.record_request(b"")
        if self.headers.get("Upgrade", "").lower() == "websocket":
            import base64
            import hashlib

            key = self.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            accept = base64.b64encode(hashlib.sha1(key.encode()).digest()).decode()
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.close_connection = True
            if os.environ.get("STUB_WS_HOLD") == "1":
                self.wfile.flush()
                while self.rfile.read1(65536):
                    pass
            return
        self.answer()

    def answer(self):
        if mode == "hang":
            time.sleep(3600)
        if os.environ.get("STUB_WORKBENCH") and self.path.split("?")[0] in ("/", "/vscode"):
            return self.workbench()
        body = json.dumps(
            dict(self.headers.items())
            if self.path.startswith("/echo")
            else {"status": "alive", "path": self.path}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if os.environ.get("STUB_CSP"):
            self.send_header("Content-Security-Policy", os.environ["STUB_CSP"])
        self.end_headers()
        self.wfile.write(body)

    def workbench(self):
        """A page like code-server's workbench: its configuration (trust on, as without
        --disable-workspace-trust) HTML-escaped in a meta tag; gzip when the client takes it,
        as code-server's compression middleware does."""
        import gzip
        import html

        trust = "--disable-workspace-trust" not in sys.argv
        settings = json.dumps(
            {"remoteAuthority": "remote", "enableWorkspaceTrust": trust}, separators=(",", ":")
        )
        body = (
            '<!DOCTYPE html><html><head><meta id="vscode-workbench-web-configuration" '
            f'data-settings="{html.escape(settings, quote=True)}"></head><body></body></html>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("ETag", 'W/"stub-workbench"')
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):
        return "stub"

    def log_message(self, fmt, *args):
        print("[stub] " + fmt % args, flush=True)


sock = arg("--socket")
if sock:

    class UnixHTTPServer(ThreadingUnixStreamServer):
        request_queue_size = 128  # like node's 511: concurrent connects must not fail

        def get_request(self):
            request, _ = super().get_request()
            return request, ("local", 0)

    server = UnixHTTPServer(sock, Handler)
    os.chmod(sock, 0o600)
else:
    host, port = arg("--bind-addr").rsplit(":", 1)
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((host, int(port)), Handler)

if mode == "exit0":

    def later():
        time.sleep(float(os.environ.get("STUB_EXIT_AFTER", "1")))
        os._exit(0)

    threading.Thread(target=later, daemon=True).start()
if os.environ.get("STUB_WEDGE_AFTER"):
    timer = threading.Timer(float(os.environ["STUB_WEDGE_AFTER"]), _wedge)
    timer.daemon = True
    timer.start()
print("[stub] HTTP server listening", flush=True)
server.serve_forever()
