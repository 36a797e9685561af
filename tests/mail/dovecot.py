"""A real Dovecot IMAP server on loopback, for the poller's tests (RELIABILITY harness notes).

One server runs per test session in a throw-away folder; each test gets an account of its own, so
tests never see each other's mail. An XOAUTH2 login is checked against the user's passwd-file (the
token is the password), which exercises the real SASL exchange without an OAuth server. A self-signed certificate makes
`ssl` and `starttls` testable; the client trusts it through SSL_CERT_FILE. Dovecot's auth
penalty is off, or the tests' wrong passwords would slow every later login by seconds, and nothing
is chrooted, so that the server also runs for a user who is not root.
"""

from __future__ import annotations

import contextlib
import grp
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tests.processes import free_port

DOVECOT = Path("/usr/sbin/dovecot")
OPENSSL = shutil.which("openssl")
_users = itertools.count(1)

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
mail_fsync = never
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int = 0
    ssl_port: int = 0
    cert: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port, self.ssl_port = free_port(), free_port()
        self.root.chmod(0o755)  # Dovecot's own users walk through it to their homes
        for sub in ("run", "state", "home", "users"):
            (self.root / sub).mkdir()
        if os.geteuid() == 0:
            # Dovecot refuses mail access as root; its own package users run the rest.
            mail_user, internal, login, internal_group = "nobody", "dovecot", "dovenull", "dovecot"
            shutil.chown(self.root / "home", user=mail_user)
        else:  # everything runs as the user running the tests
            mail_user = internal = login = pwd.getpwuid(os.geteuid()).pw_name
            internal_group = grp.getgrgid(os.getegid()).gr_name
        user = pwd.getpwnam(mail_user)
        ssl = "ssl = no"
        if OPENSSL:
            self.cert, key = self.root / "cert.pem", self.root / "key.pem"
            subprocess.run(
                [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(self.cert)],
                check=True, capture_output=True,
            )  # fmt: skip
            ssl = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{key}"
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                ssl=ssl,
                internal=internal,
                internal_group=internal_group,
                login=login,
                uid=user.pw_uid,
                gid=grp.getgrgid(user.pw_gid).gr_name,
                port=self.port,
                ssl_port=self.ssl_port,
            )
        )
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"Dovecot did not start:\n{self.log()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        stderr = self.process.stderr.read().decode() if self.process and self.process.stderr else ""
        return (path.read_text() if path.exists() else "") + stderr

    def account(self, password: str | None = None) -> Account:
        """A new user with an empty INBOX; `password` doubles as the XOAUTH2 token."""
        account = Account(self, f"user{next(_users)}", password or secrets.token_urlsafe(12))
        self.password_set(account.user, account.password)
        return account

    def password_set(self, user: str, password: str) -> None:
        # A file per user: Dovecot looks at a passwd-file at most once a second, so a user added to a
        # shared file in the same second as the last login would not exist yet.
        (self.root / "users" / user).write_text(f"{user}:{{PLAIN}}{password}::::::\n")


@dataclass
class Account:
    """One user on the server, with the helpers a test needs to seed and inspect its folders."""

    server: Dovecot
    user: str
    password: str
    _client: IMAPClient | None = field(default=None, repr=False)

    @property
    def client(self) -> IMAPClient:
        """A logged-in connection of the test's own, kept for the test."""
        if self._client is None:
            self._client = IMAPClient("127.0.0.1", port=self.server.port, ssl=False, timeout=30)
            self._client.login(self.user, self.password)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.logout()
            except Exception:  # noqa: BLE001 - the test may have broken it on purpose
                self._client.shutdown()
            self._client = None

    def append(self, messages: list[bytes], folder: str = "INBOX") -> None:
        if folder != "INBOX" and not self.client.folder_exists(folder):
            self.client.create_folder(folder)
        for message in messages:
            self.client.append(folder, message)

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        """UID → flags, as the server has them now."""
        self.client.select_folder(folder, readonly=True)
        items = self.client.fetch(self.client.search("ALL"), ["FLAGS"])
        return {uid: set(item[b"FLAGS"]) for uid, item in items.items()}

    def bodies(self, folder: str = "INBOX") -> dict[int, bytes]:
        """UID → the bytes the server hands out (fetched without setting \\Seen)."""
        self.client.select_folder(folder, readonly=True)
        items = self.client.fetch(self.client.search("ALL"), ["BODY.PEEK[]"])
        return {uid: item[b"BODY[]"] for uid, item in items.items()}

    def uids(self, folder: str = "INBOX") -> list[int]:
        self.client.select_folder(folder, readonly=True)
        return sorted(self.client.search("ALL"))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return int(self.client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def recreate(self, folder: str) -> None:
        """Deletes and creates the folder again: the server gives it a new UIDVALIDITY."""
        with contextlib.suppress(IMAPClientError):  # nothing selected
            self.client.unselect_folder()
        self.client.delete_folder(folder)
        self.client.create_folder(folder)


def dovecot_start() -> Dovecot | None:
    """The session's server, or None when Dovecot is not installed here."""
    if not DOVECOT.exists():
        return None
    server = Dovecot(Path(tempfile.mkdtemp(prefix="dapjang-dovecot-")))
    server.start()
    return server
