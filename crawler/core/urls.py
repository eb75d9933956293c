"""Canonical URLs and entry identity: one key per article, however it was reached.

The store is keyed by canonical URL, so two ways of reaching the same article must give the same
string: the feed link with ``?utm_source=rss``, the page link with ``#comments``, the Arabic slug
typed raw or percent-encoded, the host in capitals with ``:443``. ``canonical_url`` removes those
differences and nothing else; anything a server could read differently is kept. It is an identity
key, not a fetch address: fetch the URL the feed or page gave, store the canonical one.

Rules of ``canonical_url`` (standard library only; never raises; idempotent):

* Input is cleaned first: surrounding whitespace, control characters, zero-width marks and a
  ``<![CDATA[...]]>`` wrapper are removed, and so are tabs and line breaks inside the URL with
  the indentation around a break (feeds fold long links across lines; browsers drop tabs and
  breaks too). An empty result is ``""``.
* ``base`` resolves relative references (RFC 3986). An empty reference stays ``""`` even with a
  base, so that an entry without a link never takes the address of its feed.
* Only ``http`` and ``https`` are canonicalised. ``javascript:``, ``data:`` and ``vbscript:``
  become ``""``: they never name an article and can carry a whole document. Anything else
  (``mailto:``, ``tg:``, relative references without a base, and http URLs too broken to parse:
  no host, a bad port, forbidden characters in the host) comes back cleaned but otherwise as
  given, so nothing is silently invented.
* Scheme and host are lower-cased; a trailing dot of the host is dropped; default ports (80 for
  http, 443 for https) are dropped and other ports lose leading zeros; user and password are
  dropped (they never identify an article, and a key must not hold credentials); IPv6 literals
  are compressed.
* Internationalised host names are stored in their ASCII (punycode) form,
  ``пример.рф`` -> ``xn--e1afmkfd.xn--p1ai``. It is the form that goes on the wire (Host header,
  DNS, TLS), it has exactly one spelling (case and compatibility variants of the Unicode form all
  map to it) and it is plain ASCII in SQLite keys and logs. Labels are converted with the
  standard library's IDNA 2003 codec (so ``ß`` becomes ``ss``); a label the codec refuses is
  punycoded as it is after NFKC and case folding. ``outlet_of`` gives the Unicode form for display.
* Percent-encoding: escapes of unreserved characters (letters, digits, ``-._~``) are decoded,
  every other escape is upper-cased, and spaces, non-ASCII characters (as UTF-8) and characters
  not allowed in a URI are encoded. So an Arabic or Cyrillic slug and its percent-encoded twin
  become the same string. Escapes of reserved characters (``%2F``, ``%3D``, ``%26``) stay
  escaped, because decoding them would change what the server sees. A ``+`` stays a ``+``.
* Path: dot segments are removed (``%2E`` counts as a dot); an empty path becomes ``/``; a
  trailing slash is kept as given, because servers differ on whether ``/x`` and ``/x/`` are one
  page. Duplicate slashes are kept: ``/a//b`` is only the same as ``/a/b`` when the server says
  so, and a path may embed another URL (``/share/https://...``). The reprint stage still
  catches such copies by their text.
* The fragment is dropped (including ``#!``): it never reaches the server.
* Query: tracking parameters are dropped, case-insensitively: every ``utm_*``, click ids
  (``fbclid``, ``gclid``, ``yclid``, ``ysclid``, ...), mailing and analytics markers
  (``mc_cid``, ``_openstat``, ``xtor``, ``at_medium``, ``spm``, ``_ga``, ...; see
  ``TRACKING_PARAMETERS``). ``ref``, ``ref_src`` and ``from`` are dropped only when their value
  names a channel (``rss``, ``yxnews``, ``twitter``, ``telegram``...), starts with ``rss`` or
  ``twsrc`` (Twitter's widget marker), or is a domain name (``t.me``): ``?ref=v1.2`` or
  ``?from=20`` mean something to the site and stay. ``rss`` is dropped when it is a bare switch
  (``rss``, ``rss=1``, ``rss=true``, ``rss=yes``). Every other parameter is kept in its original
  order: the query is not sorted, because some CMSs read parameters by position. A repeat of an
  identical ``name=value`` pair and empty pairs (``&&``) are dropped; a query left empty loses
  its ``?``. ``&amp;`` left over from double-escaped feed XML is read as ``&``.
* ``www.`` is not removed: ``www.host`` and ``host`` may be different servers, and a redirect
  settles which one is meant. ``outlet_of`` and ``same_site`` ignore it.

``resolve_canonical`` honours ``<link rel="canonical">`` only when it is safe to: see its
docstring. ``entry_identity`` names a feed entry: guid, else canonical link, else a hash.
``same_site``, ``outlet_of``, ``is_http_url`` and ``is_private_address`` answer the questions
the crawler asks of a URL or host. Registrable sites are approximated without the Public Suffix
List (it would need a bundled data file): the last two labels of the host, or three under
generic second levels such as ``co.uk``, ``com.eg`` or ``msk.ru``, and one more under hosting
platforms whose subdomains belong to different people (``*.livejournal.com``, ``*.github.io``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from encodings import idna as _idna
from urllib.parse import unquote, unquote_plus, urljoin, urlsplit

__all__ = [
    "TRACKING_PARAMETERS",
    "canonical_url",
    "entry_identity",
    "feed_url_problem",
    "is_http_url",
    "is_private_address",
    "outlet_of",
    "resolve_canonical",
    "same_site",
]

#: Query parameters dropped whatever their value (compared lower-case); ``utm_*`` as well.
TRACKING_PARAMETERS = frozenset(
    {
        # click ids of ad networks and social sites
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "yclid",
        "ysclid",
        "igshid",
        "li_fat_id",
        "rb_clickid",
        # mailing lists and marketing automation
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "vero_id",
        "vero_conv",
        "oly_enc_id",
        "oly_anon_id",
        # analytics and feed markers (Openstat, AT Internet, Yahoo, Alibaba, Google linker)
        "_openstat",
        "xtor",
        "at_medium",
        "at_campaign",
        "at_platform",
        "at_creation",
        "at_format",
        "at_link",
        "at_ptr",
        "ncid",
        "cmpid",
        "ocid",
        "spm",
        "_ga",
        "_gl",
        "__twitter_impression",
    }
)

#: Parameters dropped only when their value names where the reader came from.
_REFERRAL_PARAMETERS = frozenset({"ref", "ref_src", "from"})

#: Values of ``ref``/``from`` that name a distribution channel rather than site content.
_CHANNELS = frozenset(
    {
        "rss",
        "feed",
        "feeds",
        "atom",
        "newsfeed",
        "newsletter",
        "email",
        "mail",
        "push",
        "share",
        "social",
        "yxnews",
        "yandex",
        "yandexnews",
        "yanews",
        "zen",
        "dzen",
        "smi2",
        "24smi",
        "mirtesen",
        "infox",
        "mediametrics",
        "gnews",
        "googlenews",
        "flipboard",
        "twitter",
        "tw",
        "facebook",
        "fb",
        "instagram",
        "ig",
        "telegram",
        "tg",
        "vk",
        "vkontakte",
        "ok",
        "whatsapp",
        "viber",
        "linkedin",
        "reddit",
        "hackernews",
        "hn",
    }
)

#: Values that make ``rss`` a bare on/off marker rather than the name of a feed.
_SWITCH_VALUES = frozenset({"", "1", "true", "yes", "y", "on"})

_HTTP_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
#: Schemes that never name an article and may carry code or a whole document.
_DROPPED_SCHEMES = frozenset({"javascript", "data", "vbscript"})

#: Host prefixes that name another rendering of the same site.
_HOST_PREFIXES = ("www.", "m.", "amp.")

#: Second-level labels under which registrations are one level deeper (``bbc.co.uk``).
_GENERIC_SECOND_LEVELS = frozenset(
    {
        "co",
        "com",
        "net",
        "org",
        "gov",
        "edu",
        "ac",
        "or",
        "ne",
        "go",
        "gob",
        "mil",
        "nic",
        "info",
        "biz",
        "sch",
        "ltd",
        "plc",
        "nom",
        "msk",
        "spb",
        "pp",
    }
)

#: Hosting platforms whose subdomains are different publishers.
_SHARED_HOSTING = (
    "livejournal.com",
    "blogspot.com",
    "wordpress.com",
    "tumblr.com",
    "substack.com",
    "medium.com",
    "github.io",
    "narod.ru",
    "ucoz.ru",
    "appspot.com",
    "herokuapp.com",
    "cdn.ampproject.org",
)

_AMP_CACHE_SUFFIX = ".cdn.ampproject.org"

#: Private-use names that never leave the local network.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# A scheme is only a scheme when something other than a port number follows its colon.
_SCHEME_NOT_PORT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])")
_JUNK = r"[\s\x00-\x20\x7f\u200b-\u200d\u2060\ufeff]+"
_EDGE_JUNK = re.compile(rf"^{_JUNK}|{_JUNK}$")
# A line break takes the indentation around it along: feeds fold long links across lines.
_TABS_AND_BREAKS = re.compile(r"[ \t]*[\r\n][ \t\r\n]*|\t")
_CDATA_OPEN = "<![CDATA["
_CDATA_CLOSE = "]]>"
_AMP_ENTITY = re.compile(r"&(?:amp;)+")
_PORT = re.compile(r"[0-9]*")
_IDEOGRAPHIC_DOTS = re.compile("[\u3002\uff0e\uff61]")
_ASCII_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_DOMAIN_VALUE = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}")
_WORD_SEPARATORS = re.compile(r"[-_+\s]+")

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# One pass finds both escapes to normalise and characters to encode. Allowed characters are the
# RFC 3986 unreserved and sub-delims plus ":@/" (and "?" in a query).
_PATH_FIX = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~!$&'()*+,;=:@/]")
_QUERY_FIX = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]")


@dataclass(frozen=True)
class _Parts:
    """An http(s) URL taken apart and normalised, fragment and tracking removed."""

    scheme: str
    host: str  # ASCII, lower-case; IPv6 literals in brackets
    port: str  # "" for the scheme's default
    path: str  # never empty
    query: str  # without "?"; "" when there is none

    def url(self) -> str:
        port = f":{self.port}" if self.port else ""
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.host}{port}{self.path}{query}"


def canonical_url(url: str, *, base: str | None = None) -> str:
    """The one URL under which this article is stored; see the module docstring for the rules.

    Never raises. ``canonical_url(canonical_url(u)) == canonical_url(u)``.
    """
    result = _canonical_once(url, base)
    # Dropping a fragment or a query can expose junk the first pass could not
    # see ("0\x08#"); a second pass reaches the fixed point the promise needs.
    for _ in range(3):
        again = _canonical_once(result, None)
        if again == result:
            break
        result = again
    return result


def _canonical_once(url: str, base: str | None) -> str:
    text = _clean(url)
    if not text:
        return ""
    compact = _TABS_AND_BREAKS.sub("", text)
    scheme = _scheme_of(compact)
    if scheme in _DROPPED_SCHEMES:
        return ""
    relative = scheme is None or (scheme in _HTTP_SCHEMES and not _is_absolute_http(compact))
    if base is not None and relative:
        resolved = _resolve(compact, base)
        if resolved is not None:
            text = compact = resolved
            if _scheme_of(compact) in _DROPPED_SCHEMES:
                return ""
    parts = _parse(compact)
    return parts.url() if parts is not None else text


def resolve_canonical(page_url: str, canonical_href: str | None) -> str:
    """The canonical URL of a fetched page, honouring ``<link rel="canonical">`` when it is safe.

    The href (resolved against the page) wins when it is an http(s) URL on the same site as the
    page (``same_site``: same host, ``www.``/``m.``/``amp.`` variants, other subdomains of the
    same registrable domain) and does not look like a CMS mistake that would merge many
    articles into one key:

    * a canonical pointing at the site root is ignored, unless the page is the root;
    * a canonical with fewer path segments than the page is ignored when it is an ancestor of
      the page (``/politika/`` for ``/politika/13663353``) or when its last segment reads like a
      section name (at most two words, no digits, no dot: ``/world/``, ``/tag/nato``);
    * a canonical with a query, or at least as many path segments as the page, is trusted.

    AMP pages (an ``amp.`` host, an ``amp`` path segment, an ``amp`` query switch, or a Google
    AMP cache URL) are judged against the page without its AMP markers, so their canonical
    (the regular article) is accepted; without a usable canonical they resolve to that
    de-AMPed URL. Otherwise the page's own canonical URL is returned.
    """
    page = canonical_url(page_url)
    parts = _parse(page)
    if parts is None:
        return page
    origin = _amp_cache_origin(parts)
    if origin is not None:
        reference = _de_amp(origin)
    elif _is_amp(parts):
        reference = _de_amp(parts)
    else:
        reference = parts
    href = _clean(canonical_href or "")
    if href:
        candidate = _parse(canonical_url(href, base=(origin or parts).url()))
        if candidate is not None and _trustworthy_canonical(candidate, reference):
            return candidate.url()
    return reference.url()


def outlet_of(url: str) -> str:
    """The outlet's host, for display: lower-case, Unicode, without ``www.``/``m.``/``amp.``.

    Accepts a URL or a bare host name; ``""`` when there is no host. A Google AMP cache URL
    names the outlet whose page it caches.
    """
    parts = _parse_loose(url)
    if parts is None:
        return ""
    origin = _amp_cache_origin(parts)
    host = _strip_prefixes((origin or parts).host)
    if host.startswith("["):
        return host
    return ".".join(_unicode_label(label) for label in host.split("."))


def entry_identity(guid: str | None, link: str | None, title: str | None) -> str:
    """A stable key for a feed entry: its guid, else its canonical link, else a hash.

    The guid is kept as given (whitespace trimmed): it is opaque by definition and some feeds
    reuse one link for several entries. The hash is ``"sha1:"`` and the hex SHA-1 of the trimmed
    link followed by the trimmed title.
    """
    key = _clean(guid or "")
    if key:
        return key
    canonical = canonical_url(link or "")
    if canonical:
        return canonical
    material = (link or "").strip() + (title or "").strip()
    digest = hashlib.sha1(material.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return "sha1:" + digest.hexdigest()


def same_site(a: str, b: str) -> bool:
    """Whether two URLs (or bare host names) belong to the same registrable site.

    Hosts that differ only by ``www.``/``m.``/``amp.`` prefixes or by subdomain count as one
    site (``ria.ru``, ``m.ria.ru``, ``sport.ria.ru``); different publishers on a hosting platform
    (``a.livejournal.com``, ``b.livejournal.com``) do not. IP literals must be equal.
    """
    key_a = _site_key(a)
    return bool(key_a) and key_a == _site_key(b)


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a usable host (and port)."""
    return _parse(_TABS_AND_BREAKS.sub("", _clean(url))) is not None


def feed_url_problem(url: str) -> str:
    """Why ``url`` cannot be polled as a feed, with what to do; ``""`` when it can.

    Only absolute http(s) URLs with a usable host can be fetched. A scheme-less address that
    looks like a host and path (``tass.ru/rss/v2.xml``) is answered with its ``https://`` form.
    """
    text = _clean(url)
    if not text:
        return "an empty feed URL; give the whole address, e.g. https://tass.ru/rss/v2.xml"
    if is_http_url(text):
        return ""
    scheme = _scheme_of(text)
    if scheme is None:
        guess = "https://" + text.lstrip("/")
        parts = _parse(guess)
        if parts is not None and "." in parts.host.strip("."):
            return f"not a URL (no http:// or https://); did you mean {guess} ?"
        return "not a URL; give the feed's whole address, e.g. https://tass.ru/rss/v2.xml"
    if scheme not in _HTTP_SCHEMES:
        return f"only http and https URLs can be polled, not {scheme}:"
    return "not a usable URL (no host name, a bad port or forbidden characters)"


def is_private_address(host: str) -> bool:
    """Whether a host name stays inside the local network: a redirect must not lead there.

    True for literal IP addresses that are not globally reachable (private, loopback,
    link-local, unique-local, unspecified, shared and reserved ranges; IPv4-mapped IPv6 is
    judged by its IPv4 address; the shorthand forms browsers accept, such as ``127.1`` or
    ``0x7f000001``, count), for ``localhost`` and names under ``.localhost``, ``.local``,
    ``.internal`` and ``.home.arpa``, and for names without a dot, which the resolver completes
    with the local search domain. Accepts brackets around IPv6 and a trailing dot.
    """
    name = _clean(host).lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if not name:
        return False
    address = _ip_literal(name)
    if address is not None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return not address.ipv4_mapped.is_global
        return not address.is_global
    if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        return True
    return "." not in name


# --- parsing -------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Input without surrounding junk and CDATA wrappers (repeated, so cleaning is idempotent)."""
    while True:
        text = _EDGE_JUNK.sub("", text)
        if text.startswith(_CDATA_OPEN) and text.endswith(_CDATA_CLOSE):
            text = text[len(_CDATA_OPEN) : -len(_CDATA_CLOSE)]
            continue
        return text


def _scheme_of(text: str) -> str | None:
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


def _is_absolute_http(text: str) -> bool:
    return _scheme_of(text) in _HTTP_SCHEMES and text.split(":", 1)[1].startswith("//")


def _resolve(reference: str, base: str) -> str | None:
    base_text = _TABS_AND_BREAKS.sub("", _clean(base))
    if not base_text:
        return None
    try:
        return urljoin(base_text, reference)
    except (ValueError, UnicodeError):
        # urllib rejects some malformed hosts (bad IPv6 brackets, NFKC tricks) by raising.
        return None


def _parse(text: str) -> _Parts | None:
    """Take an absolute http(s) URL apart and normalise it; None when it is not one."""
    scheme = _scheme_of(text)
    if scheme not in _HTTP_SCHEMES:
        return None
    rest = text[len(scheme) + 1 :]
    if not rest.startswith("//"):
        return None
    rest = rest[2:]
    end = len(rest)
    for delimiter in "/?#":
        found = rest.find(delimiter)
        if found != -1:
            end = min(end, found)
    authority, tail = rest[:end], rest[end:]
    tail = tail.split("#", 1)[0]
    path, _, query = tail.partition("?")

    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):
        close = host_port.find("]")
        if close == -1:
            return None
        raw_host, after = host_port[: close + 1], host_port[close + 1 :]
        if after and not after.startswith(":"):
            return None
        raw_port = after[1:]
    else:
        raw_host, _, raw_port = host_port.partition(":")
    host = _canonical_host(raw_host)
    port = _canonical_port(raw_port, scheme)
    if host is None or port is None:
        return None
    return _Parts(scheme, host, port, _canonical_path(path), _canonical_query(query))


def _parse_loose(url: str) -> _Parts | None:
    """Like ``_parse``, but a bare host name or scheme-less address is read as http."""
    text = _TABS_AND_BREAKS.sub("", _clean(url))
    if text.startswith("//"):
        text = "http:" + text
    elif not _SCHEME_NOT_PORT.match(text):
        text = "http://" + text
    return _parse(text)


def _canonical_host(host: str) -> str | None:
    if host.startswith("["):
        if not host.endswith("]") or "%" in host:
            return None
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    host = _IDEOGRAPHIC_DOTS.sub(".", host).rstrip(".")
    ascii_host = ".".join(_ascii_label(label) for label in host.split("."))
    # Checked after conversion: NFKC can turn a harmless-looking character into "/" or ":".
    return ascii_host if _ASCII_HOST.fullmatch(ascii_host) else None


def _ascii_label(label: str) -> str:
    if label.isascii():
        return label.lower()
    try:
        return _idna.ToASCII(label).decode("ascii").lower()
    except UnicodeError:
        pass
    # IDNA 2003 refuses some real labels (newer code points, digits in right-to-left labels);
    # one deterministic ASCII form is still better than rejecting the URL.
    folded = unicodedata.normalize("NFKC", label).casefold()
    if folded.isascii():
        return folded
    try:
        return "xn--" + folded.encode("punycode").decode("ascii")
    except UnicodeError:
        return label


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError, IndexError, OverflowError):
        return label


def _canonical_port(port: str, scheme: str) -> str | None:
    if not _PORT.fullmatch(port):
        return None
    if not port:
        return ""
    digits = port.lstrip("0") or "0"
    if len(digits) > 5 or int(digits) > 65535:
        return None
    return "" if digits == _DEFAULT_PORTS[scheme] else digits


def _fix_escape(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) == 3:
        char = chr(int(token[1:], 16))
        return char if char in _UNRESERVED else token.upper()
    return "".join(f"%{byte:02X}" for byte in token.encode("utf-8", "surrogatepass"))


def _canonical_path(path: str) -> str:
    return _remove_dot_segments(_PATH_FIX.sub(_fix_escape, path)) or "/"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for a path that is empty or starts with "/"."""
    if "." not in path:
        return path
    segments = path.split("/")[1:]
    kept: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
            continue
        if last:
            kept.append("")
    return "/" + "/".join(kept)


def _canonical_query(query: str) -> str:
    kept: list[str] = []
    seen: set[str] = set()
    for raw in _AMP_ENTITY.sub("&", query).split("&"):
        # Decided on the normalised pair, so a second pass sees exactly what the first saw.
        pair = _QUERY_FIX.sub(_fix_escape, raw)
        if not pair or pair in seen or _is_tracking(pair):
            continue
        seen.add(pair)
        kept.append(pair)
    return "&".join(kept)


def _is_tracking(pair: str) -> bool:
    raw_name, _, raw_value = pair.partition("=")
    name = unquote(raw_name, errors="replace").lower()
    if name.startswith("utm_") or name in TRACKING_PARAMETERS:
        return True
    if name in _REFERRAL_PARAMETERS:
        return _is_channel(raw_value)
    if name == "rss":
        return unquote_plus(raw_value, errors="replace").strip().lower() in _SWITCH_VALUES
    return False


def _is_channel(raw_value: str) -> bool:
    value = unquote_plus(raw_value, errors="replace").strip().lower()
    return (
        value in _CHANNELS
        or value.startswith(("rss", "twsrc"))
        or _DOMAIN_VALUE.fullmatch(value) is not None
    )


# --- sites and canonical links -------------------------------------------------------------


def _strip_prefixes(host: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_PREFIXES:
            # Only while a registrable name is left: "m.ru" is a host, not a mobile prefix.
            if host.startswith(prefix) and "." in host[len(prefix) :]:
                host = host[len(prefix) :]
                changed = True
    return host


def _registrable(host: str) -> str:
    if host.startswith("[") or _ip_literal(host) is not None:
        return host
    for platform in _SHARED_HOSTING:
        if host == platform:
            return host
        if host.endswith("." + platform):
            owner = host[: -len(platform) - 1].rsplit(".", 1)[-1]
            return f"{owner}.{platform}"
    labels = host.split(".")
    top = labels[-1]
    country = len(top) == 2 or top.startswith("xn--")
    if len(labels) >= 3 and country and labels[-2] in _GENERIC_SECOND_LEVELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _site_key(url: str) -> str:
    parts = _parse_loose(url)
    return _registrable(_strip_prefixes(parts.host)) if parts is not None else ""


def _name_and_value(pair: str) -> tuple[str, str]:
    name, _, value = pair.partition("=")
    return unquote(name, errors="replace").lower(), value.lower()


def _is_amp_switch(name: str, value: str) -> bool:
    return (name == "amp" and value in _SWITCH_VALUES) or (name == "outputtype" and value == "amp")


def _is_amp(parts: _Parts) -> bool:
    if parts.host.startswith("amp.") and "." in parts.host[4:]:
        return True
    if any(segment.lower() == "amp" for segment in parts.path.split("/")):
        return True
    pairs = parts.query.split("&") if parts.query else []
    return any(_is_amp_switch(*_name_and_value(pair)) for pair in pairs)


def _de_amp(parts: _Parts) -> _Parts:
    """The regular page an AMP URL renders: AMP host prefix, path segment and switch removed."""
    host = parts.host
    if host.startswith("amp.") and "." in host[4:]:
        host = host[4:]
    path = "/".join(s for s in parts.path.split("/") if s.lower() != "amp") or "/"
    query = "&".join(
        pair
        for pair in (parts.query.split("&") if parts.query else [])
        if not _is_amp_switch(*_name_and_value(pair))
    )
    return _Parts(parts.scheme, host, parts.port, path, query)


def _amp_cache_origin(parts: _Parts) -> _Parts | None:
    """The publisher's URL behind a Google AMP cache URL (``/c/s/host/path``), if this is one."""
    if not parts.host.endswith(_AMP_CACHE_SUFFIX):
        return None
    segments = parts.path.split("/")[1:]
    if len(segments) < 2 or segments[0] not in ("c", "v", "i"):
        return None
    secure = segments[1] == "s"
    rest = segments[2:] if secure else segments[1:]
    if not rest or not rest[0]:
        return None
    query = f"?{parts.query}" if parts.query else ""
    url = f"{'https' if secure else 'http'}://{'/'.join(rest)}{query}"
    return _parse(url)


def _looks_like_section(segment: str) -> bool:
    name = unquote(segment, errors="replace")
    if "." in name or any(char.isdigit() for char in name):
        return False
    words = [word for word in _WORD_SEPARATORS.split(name) if word]
    return len(words) <= 2 and len(name) <= 30


def _trustworthy_canonical(candidate: _Parts, page: _Parts) -> bool:
    if not same_site(candidate.url(), page.url()):
        return False
    if candidate == page or candidate.query:
        return True
    wanted = [segment for segment in candidate.path.split("/") if segment]
    have = [segment for segment in page.path.split("/") if segment]
    if not wanted:
        return not have and not page.query
    if len(wanted) >= len(have):
        return True
    if have[: len(wanted)] == wanted:
        return False
    return not _looks_like_section(wanted[-1])


# --- addresses -----------------------------------------------------------------------------


def _ip_literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    return _loose_ipv4(name)


def _loose_ipv4(name: str) -> ipaddress.IPv4Address | None:
    """IPv4 in the shorthand forms browsers and resolvers accept: ``127.1``, ``0x7f.0.0.1``."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        if len(part) > 20:
            return None
        if re.fullmatch(r"0[xX][0-9a-fA-F]*", part):
            numbers.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]+", part):
            numbers.append(int(part, 8))
        elif re.fullmatch(r"[0-9]+", part):
            numbers.append(int(part))
        else:
            return None
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


#: The only schemes the crawler fetches.
FETCHED_SCHEMES = frozenset({"http", "https"})


def scheme_refusal(url: str, previous: str = "") -> str | None:
    """Why ``url`` is not fetched because of its scheme (``previous``: the URL that sent us)."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme in FETCHED_SCHEMES:
        return None
    if previous:
        return (
            f"refused redirect from {previous} to {url[:200]}: only http and https URLs are fetched"
        )
    return f"refused {url}: only http and https URLs are fetched"


def private_redirect_refusal(
    chain: Sequence[str], target: str, is_private: Callable[[str], bool]
) -> str | None:
    """Why a redirect along ``chain`` to ``target`` is refused: public to private, or None.

    A feed on the public web must not send the crawler into the local network; a chain
    that starts private and stays private (an intranet feed the user added) is fine.
    ``is_private`` judges a host (``is_private_address``, plus what it resolves to).
    """
    if not chain:
        return None
    host = _host(target)
    if not host or not is_private(host):
        return None
    if all(is_private(_host(earlier)) for earlier in chain):
        return None
    return (
        f"refused redirect from {chain[-1]} to {target}: a public site may not send the "
        f"crawler to the private address {host} (WIRECRAWL_BLOCK_PRIVATE_REDIRECTS)"
    )


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
