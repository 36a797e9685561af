"""Address lists read conservatively, because From decides whose ticket a mail joins.

CPython 3.11.7's `getaddresses` has no `strict` mode (CVE-2023-27043): it turns
`alice@example.org)<bob@example.org>` or `"a@b"@c` into identities nobody wrote. This tokenizer
is linear (no quadratic comment or quoted-string handling) and, in strict mode, refuses to choose
when a value can be read two ways: the item is reported ambiguous and yields no address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dapjang.mail.rfc2047 import ENCODED_WORD, decode_header, one_line

MAX_ADDRESS_HEADER = 65536  # longer address headers are cut; thousands of recipients still fit
MAX_ADDRESSES = 1000

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_ATOM = re.compile(r'[^\s"(),:;<>]+')
_COMMENT_PIECE = re.compile(r"[^()\\]+|\\.?|[()]", re.S)
_ADDR = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u0080-\U0010ffff]+@[A-Za-z0-9.\-_\u0080-\U0010ffff]+$")
_ADDR_IN_TEXT = re.compile(r"[^\s@<>\"'(),;:\[\]]+@[^\s@<>\"'(),;:\[\]]+\.[^\s@<>\"'(),;:\[\]]+")
_SALVAGE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u0080-\U0010ffff]+@[A-Za-z0-9.\-\u0080-\U0010ffff]+")


@dataclass
class AddressList:
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (display name, addr-spec)
    ambiguous: bool = False
    group: bool = False
    display_name_address: bool = False


_AMBIGUOUS = ("ambiguous", "", "")
_NONE = ("none", "", "")
Token = tuple[str, str]  # kind (q quoted, c comment, a angle, w word, s special), text


def _tokens(s: str) -> tuple[list[Token], bool]:
    """Split an address header into tokens; the flag says something was unbalanced or nested."""
    out: list[Token] = []
    bad = False
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t":
            i += 1
        elif c == '"':
            m = _QUOTED.match(s, i)
            if m is None:
                out.append(("q", s[i + 1 :]))
                return out, True
            out.append(("q", re.sub(r"\\(.)", r"\1", m.group()[1:-1])))
            i = m.end()
        elif c == "(":
            depth, j, pieces = 0, i, []
            for m in _COMMENT_PIECE.finditer(s, i):
                piece = m.group()
                depth += 1 if piece == "(" else -1 if piece == ")" else 0
                pieces.append(piece)
                j = m.end()
                if depth == 0:
                    break
            if depth:
                bad = True
            out.append(("c", "".join(pieces)[1:-1]))
            i = j if j > i else n
        elif c == "<":
            j = s.find(">", i + 1)
            if j < 0:
                return [*out, ("a", s[i + 1 :])], True
            inner = s[i + 1 : j]
            if "<" in inner or '"' in inner or "(" in inner:
                bad = True
            out.append(("a", inner))
            i = j + 1
        elif c in ">)":
            bad = True
            i += 1
        elif c in ",:;":
            out.append(("s", c))
            i += 1
        else:
            m = ENCODED_WORD.match(s, i) or _ATOM.match(s, i)
            if m is None:
                i += 1
                continue
            out.append(("w", m.group()))
            i = m.end()
    return out, bad


def _clean_addr(addr: str) -> str:
    addr = addr.strip()
    if ":" in addr and addr.startswith("@"):  # obsolete source route <@relay:user@host>
        addr = addr.rsplit(":", 1)[1].strip()
    if not _ADDR.match(addr):
        return ""
    local, _, domain = addr.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not local or not domain or domain.startswith(".") or ".." in domain:
        return ""
    return f"{local}@{domain}"


def _name(parts: list[str]) -> str:
    return decode_header(" ".join(parts)).text if parts else ""


def _item(tokens: list[Token]) -> tuple[str, str, str]:
    """One mailbox → (status, name, addr); status "ok", "none" (names no address) or "ambiguous"."""
    angles = [i for i, t in enumerate(tokens) if t[0] == "a"]
    words = [t for t in tokens if t[0] != "c"]
    comments = [t[1] for t in tokens if t[0] == "c"]
    if len(angles) > 1:
        return _AMBIGUOUS
    if angles:
        k = angles[0]
        if any(t[0] != "c" for t in tokens[k + 1 :]):
            return _AMBIGUOUS
        addr = _clean_addr(tokens[k][1])
        if not addr:
            return _AMBIGUOUS if tokens[k][1].strip() else _NONE
        for kind, text in tokens[:k]:
            if kind == "w" and "@" in text and text.lower() != addr.lower() and not ENCODED_WORD.match(text):
                return _AMBIGUOUS
        phrase = [t[1] for t in tokens[:k] if t[0] in "qw"]
        return "ok", _name(phrase or comments), addr
    if not any("@" in t[1] for t in words):
        return _NONE
    if len(words) != 1 or words[0][0] != "w":
        return _AMBIGUOUS
    addr = _clean_addr(words[0][1])
    return ("ok", _name(comments), addr) if addr else _AMBIGUOUS


def parse_addresses(value: str, strict: bool = True) -> AddressList:
    """Strict (From, Sender): an ambiguous item voids the whole list. Lenient (To, Cc): addr-specs
    are salvaged from ambiguous items, because routing would rather see too many than none."""
    result = AddressList()
    text = one_line(value[:MAX_ADDRESS_HEADER])
    tokens, bad = _tokens(text)
    result.ambiguous = bad
    items: list[list[Token]] = [[]]
    in_group = False
    for tok in tokens:
        if tok == ("s", ":") and not in_group:
            in_group, result.group = True, True
            items[-1] = []
        elif tok == ("s", ";") or tok == ("s", ","):
            in_group = in_group and tok[1] == ","
            items.append([])
        else:
            items[-1].append(tok)
    for item in items:
        if not item:
            continue
        status, name, addr = _item(item)
        if status == "ambiguous":
            result.ambiguous = True
            if not strict:
                salvage = " ".join(t[1] for t in item)
                result.addresses += [("", a) for a in map(_clean_addr, _SALVAGE.findall(salvage)) if a]
        elif status == "ok":
            result.addresses.append((name, addr))
            for found in _ADDR_IN_TEXT.findall(name):
                if found.lower().strip(".") != addr.lower():
                    result.display_name_address = True
        if len(result.addresses) >= MAX_ADDRESSES:
            break
    if strict and result.ambiguous:
        result.addresses = []
    return result
