"""Long-running threads beside a command's main loop (the IMAP watcher)."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("dapjang.server.watchers")


def mailbox_watcher(stop: threading.Event) -> threading.Thread:
    """Starts the IMAP watcher (IDLE or polling, every enabled mailbox) until `stop` is set."""
    from dapjang.mail.imap import mailboxes_watch

    def run() -> None:
        try:
            mailboxes_watch(stop)
        except Exception:
            log.exception("the mailbox watcher stopped; mailboxes are still polled on schedule")

    thread = threading.Thread(target=run, name="dapjang-imap", daemon=True)
    thread.start()
    return thread
