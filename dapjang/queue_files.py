"""The embedded broker: kombu's file transport, with each message appearing in the folder whole.

kombu 5.7 writes a message file in place, and a consumer may move it away while it is still empty
(it takes no lock to read), then crash on the half-written JSON — a worker restart and a task lost
until the sweeper comes by, seen under SMTP load. Writing to a hidden name and renaming it into
place makes a message visible only once complete: rename is atomic within one folder.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "dapjangfs"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):  # type: ignore[no-untyped-def,override]  # kombu's own signature
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".partial-{name}")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))  # type: ignore[no-untyped-call]
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add a message to {self.data_folder_out!r}") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
