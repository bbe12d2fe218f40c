"""Share texts from short-video apps: pull out the one link that matters and name its platform.

Users paste whatever the app's "share" button copied, e.g.::

    7.43 复制打开抖音，看看【某某的作品】今天的晚霞太美了 #日落 https://v.douyin.com/iRNBho6u/ E@u.Fs 09/15 tRK:/
    【小红书】标题 😆 http://xhslink.com/a/AbCdEf，复制本条信息，打开【小红书】App查看精彩内容！

TranscriptGenerate and Yinzi both take such links, and both reject bad ones with a fixed list of
messages. We check the same things locally, with the same messages, so a batch fails fast and
costs no request (Yinzi's analyze charges on every call).

Example::

    link = parse_share_text(pasted, supported={"DOUYIN", "XHS"}, vendor="transcriptgenerate")
    link.url, link.platform  # ("https://v.douyin.com/iRNBho6u/", "DOUYIN")
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline import errors

# The vendors' own rejection messages (TranscriptGenerate's task/create error rows).
MSG_EMPTY = "Video URL cannot be empty"
MSG_UNRECOGNISED = "Failed to extract a valid platform URL from the input"
MSG_UNSUPPORTED = "This platform is not supported. Please try a different URL."
MSG_TOO_LONG = "The URL is too long. Please check and try again."

# Browsers and CDNs cap URLs around 2 kB; real share links are under 200 characters.
MAX_URL_LENGTH = 2048
# A share text is a sentence or two; anything far longer is a wrong paste, not a share text.
MAX_TEXT_LENGTH = 20_000

# Platform code → registrable domains (a host matches the domain or any subdomain of it).
# Codes follow TranscriptGenerate's ``platform`` field (DOUYIN, XHS, KUAISHOU ...).
PLATFORM_DOMAINS: dict[str, tuple[str, ...]] = {
    "DOUYIN": ("douyin.com", "iesdouyin.com"),
    "XHS": ("xiaohongshu.com", "xhslink.com"),
    "KUAISHOU": ("kuaishou.com", "gifshow.com", "chenzhongtech.com", "kuaishouapp.com"),
    "WEIBO": ("weibo.com", "weibo.cn"),
    "BILIBILI": ("bilibili.com", "b23.tv"),
    "XIGUA": ("ixigua.com",),
    "TIKTOK": ("tiktok.com",),
    "YOUTUBE": ("youtube.com", "youtu.be"),
}
PLATFORMS = tuple(PLATFORM_DOMAINS)

# A URL is a run of printable ASCII URL characters: share texts glue Chinese punctuation, CJK
# and emoji straight onto the link ("…/AbCdEf，复制本条信息"), and none of those belong to it.
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_URL = re.compile(rf"https?://{_URL_CHARS}+", re.IGNORECASE)
# Some apps drop the scheme ("v.douyin.com/xxx"); only known platform hosts are taken then,
# or every "E@u.Fs"-style tracking token would look like a host.
_ALL_DOMAINS = "|".join(re.escape(d) for domains in PLATFORM_DOMAINS.values() for d in domains)
# The look-behind is ASCII-only: CJK glued to the host ("打开v.douyin.com/x") must not block it.
_BARE = re.compile(rf"(?<![A-Za-z0-9_.@/-])(?:[a-z0-9-]+\.)*(?:{_ALL_DOMAINS})/{_URL_CHARS}*", re.IGNORECASE)
# Sentence punctuation that ends a sentence, not the URL ("see https://b23.tv/x." or "(https://…)").
_TRAILING = ".,;:!?'\"()[]*"


@dataclass(frozen=True)
class ShareLink:
    """A platform link taken from a pasted share text.

    Attributes:
        url: the link alone, as sent to the vendor.
        platform: the platform code, e.g. ``"DOUYIN"``.
        original_text: what the user pasted, kept for logs and error reports.
    """

    url: str
    platform: str
    original_text: str

    @property
    def canonical(self) -> str:
        """The link reduced to the work it names: what is keyed, sent to the vendor and logged."""
        return canonical_url(self.url, self.platform)


def find_url(text: str) -> str | None:
    """The first link in ``text`` that belongs to a known platform, else the first link at all.

    Preferring a platform link matters when a share text also carries an app-store or
    tracking link. Returns ``None`` when the text holds no link.
    """
    candidates = [_clean(m.group(0)) for m in _URL.finditer(text)]
    candidates = [url for url in candidates if _has_host(url)]
    if not candidates:
        candidates = [f"https://{_clean(m.group(0))}" for m in _BARE.finditer(text)]
    for url in candidates:
        if detect_platform(url):
            return url
    return candidates[0] if candidates else None


def detect_platform(url: str) -> str | None:
    """The platform code for ``url``'s host, or ``None`` for a host we do not know."""
    host = _host(url)
    for code, domains in PLATFORM_DOMAINS.items():
        if any(host == domain or host.endswith("." + domain) for domain in domains):
            return code
    return None


def parse_share_text(
    text: str | None,
    supported: Collection[str] | None = None,
    *,
    vendor: str = "share link",
) -> ShareLink:
    """Validate a pasted share text (or a bare link) before any request is made.

    Args:
        text: what the user pasted.
        supported: platform codes the vendor accepts; ``None`` accepts every known platform.
        vendor: the vendor the link is meant for, named in an unsupported-platform error.

    Raises:
        InputError: the text is empty, too long, or holds no usable platform link.
        UnsupportedPlatformError: the link is from a platform outside ``supported``.
    """
    original = text or ""
    if not original.strip():
        raise errors.InputError(f"{MSG_EMPTY}: paste the share text or link copied from the app")
    if len(original) > MAX_TEXT_LENGTH:
        raise errors.InputError(
            f"{MSG_TOO_LONG} The pasted text has {len(original)} characters (at most {MAX_TEXT_LENGTH}); "
            "paste only the app's share text"
        )
    url = find_url(original)
    if url is None or not _has_work_path(url):
        raise errors.InputError(
            f"{MSG_UNRECOGNISED}: paste the share text or a link such as https://v.douyin.com/xxxxxx"
        )
    if len(url) > MAX_URL_LENGTH:
        raise errors.InputError(
            f"{MSG_TOO_LONG} The link has {len(url)} characters (at most {MAX_URL_LENGTH}); "
            "copy the share link again from the app"
        )
    platform = detect_platform(url)
    allowed = PLATFORMS if supported is None else tuple(supported)
    if platform is None or platform not in allowed:
        where = f"{_host(url)} ({platform})" if platform else _host(url)
        raise errors.UnsupportedPlatformError(
            vendor, None, MSG_UNSUPPORTED, f"{where} is not one of {', '.join(allowed)}; use a link from one of those"
        )
    return ShareLink(url=url, platform=platform, original_text=original)


# Query keys that name the work itself (all others are tracking, sharing or user data):
# bilibili's part number, YouTube's video id, Weibo's video id, Douyin's work opened over a page.
_WORK_KEYS: dict[str, frozenset[str]] = {
    "BILIBILI": frozenset({"p"}),
    "YOUTUBE": frozenset({"v"}),
    "WEIBO": frozenset({"fid"}),
    "DOUYIN": frozenset({"modal_id"}),
}
# Douyin pages that show one work by its ``modal_id`` (a user's page, discover, the featured feed).
_DOUYIN_MODAL_PAGES = re.compile(r"^/(user/[^/]+|discover|jingxuan|search/[^/]+|root/search/[^/]+)/?$")


def canonical_url(url: str, platform: str) -> str:
    """``url`` without tracking and user parameters, in the platform's documented shape.

    Share links carry who shared them and from where (Douyin ``modeFrom``/``secUid``,
    Xiaohongshu ``xsec_token``/``xsec_source``, Kuaishou ``authorId``/``streamSource``,
    bilibili ``spm_id_from``/``vd_source``, YouTube ``si``): the same video pasted twice would
    otherwise be two paid jobs, and the sharer's id would travel on to the vendor. Kept: the
    scheme (as https), the host in lower case, the path, and only the query keys that name the
    work (``_WORK_KEYS``). A few shapes are rewritten to the work's own page:
    ``youtu.be/<id>`` and a Douyin page opened on ``?modal_id=<id>`` (``/video/<id>``), and
    Xiaohongshu's old ``/discovery/item/<id>`` (``/explore/<id>``).

    Example:
        >>> canonical_url("https://www.douyin.com/video/7301?modeFrom=userPost&secUid=MS4w", "DOUYIN")
        'https://www.douyin.com/video/7301'
    """
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    keep = _WORK_KEYS.get(platform, frozenset())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False) if k in keep]
    if platform == "YOUTUBE" and host == "youtu.be" and path.strip("/"):
        host, path, query = "www.youtube.com", "/watch", [("v", path.strip("/").split("/")[0])]
    elif platform == "DOUYIN" and dict(query).get("modal_id") and _DOUYIN_MODAL_PAGES.match(path):
        path, query = f"/video/{dict(query)['modal_id']}", []
    elif platform == "XHS" and path.startswith("/discovery/item/"):
        path = "/explore/" + path.removeprefix("/discovery/item/")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    return urlunsplit(("https", host + port, path, urlencode(query, safe=":"), ""))


def _clean(url: str) -> str:
    # Strip sentence punctuation but keep a closing bracket that opens inside the URL.
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # e.g. a malformed IPv6 literal "http://[x"
        return ""


def _has_host(url: str) -> bool:
    return "." in _host(url)


def _has_work_path(url: str) -> bool:
    """A share link names one work: a bare home page ("https://www.douyin.com/") is not one."""
    parts = urlsplit(url)
    return bool(parts.path.strip("/") or parts.query)


__all__ = [
    "MAX_TEXT_LENGTH",
    "MAX_URL_LENGTH",
    "MSG_EMPTY",
    "MSG_TOO_LONG",
    "MSG_UNRECOGNISED",
    "MSG_UNSUPPORTED",
    "PLATFORMS",
    "PLATFORM_DOMAINS",
    "ShareLink",
    "canonical_url",
    "detect_platform",
    "find_url",
    "parse_share_text",
]
