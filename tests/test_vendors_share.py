"""Share-text parsing: real-looking share texts, the vendors' rejection rows, and properties."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import errors
from pipeline.vendors import share
from pipeline.vendors.share import ShareLink, canonical_url, detect_platform, find_url, parse_share_text

DOUYIN_TEXT = "7.43 复制打开抖音，看看【某某的作品】今天的晚霞太美了 #日落 https://v.douyin.com/iRNBho6u/ E@u.Fs 09/15 tRK:/ "
XHS_TEXT = "【小红书】标题 😆 http://xhslink.com/a/AbCdEf，复制本条信息，打开【小红书】App查看精彩内容！"


@pytest.mark.parametrize(
    ("text", "url", "platform"),
    [
        (DOUYIN_TEXT, "https://v.douyin.com/iRNBho6u/", "DOUYIN"),
        (XHS_TEXT, "http://xhslink.com/a/AbCdEf", "XHS"),
        ("https://v.kuaishou.com/2xYz9Q 快来看", "https://v.kuaishou.com/2xYz9Q", "KUAISHOU"),
        ("看这个 https://www.kuaishou.com/short-video/3xabc123。", "https://www.kuaishou.com/short-video/3xabc123", "KUAISHOU"),
        ("https://www.xiaohongshu.com/discovery/item/64a1b2c3d4e5f6", "https://www.xiaohongshu.com/discovery/item/64a1b2c3d4e5f6", "XHS"),
        ("https://www.douyin.com/video/123！", "https://www.douyin.com/video/123", "DOUYIN"),
        ("微博 https://weibo.com/1234567890/NabCdEfGh 转发", "https://weibo.com/1234567890/NabCdEfGh", "WEIBO"),
        ("https://video.weibo.com/show?fid=1034:4839283746", "https://video.weibo.com/show?fid=1034:4839283746", "WEIBO"),
        ("【哔哩哔哩】 https://b23.tv/Ab12Cd3", "https://b23.tv/Ab12Cd3", "BILIBILI"),
        ("https://www.bilibili.com/video/BV1xx411c7mD?p=2&share_source=copy.",
         "https://www.bilibili.com/video/BV1xx411c7mD?p=2&share_source=copy", "BILIBILI"),
    ],
)
def test_extracts_url_and_platform_from_share_texts(text: str, url: str, platform: str) -> None:
    link = parse_share_text(text)
    assert link == ShareLink(url=url, platform=platform, original_text=text)


@pytest.mark.parametrize("tail", ["，", "。", "！", "？", "；", "、", "）", "】", "…", ".", ",", "!", "?", ";", ":", ")", "'", '"'])
def test_strips_trailing_chinese_and_english_punctuation(tail: str) -> None:
    assert find_url(f"看 https://v.douyin.com/iRNBho6u{tail} 好看") == "https://v.douyin.com/iRNBho6u"


def test_keeps_a_closing_bracket_that_belongs_to_the_url() -> None:
    assert find_url("https://www.bilibili.com/video/BV1(x) 看") == "https://www.bilibili.com/video/BV1(x)"
    assert find_url("(https://b23.tv/AbC)") == "https://b23.tv/AbC"


def test_link_glued_to_cjk_text_ends_at_the_first_cjk_character() -> None:
    assert find_url("https://v.douyin.com/abc/复制此链接，打开Dou音搜索") == "https://v.douyin.com/abc/"


def test_schemeless_platform_link_gets_https() -> None:
    link = parse_share_text("复制 v.douyin.com/iRNBho6u/ 打开抖音")
    assert link.url == "https://v.douyin.com/iRNBho6u/"


def test_schemeless_link_glued_to_cjk() -> None:
    assert find_url("打开v.douyin.com/iRNBho6u/复制") == "https://v.douyin.com/iRNBho6u/"
    assert find_url("mail me@v.douyin.com/x") is None


def test_platform_link_preferred_over_other_links() -> None:
    text = "下载App https://apps.example.com/get 看视频 https://v.douyin.com/abc/"
    assert parse_share_text(text).url == "https://v.douyin.com/abc/"


def test_platform_detection_matches_subdomains_only() -> None:
    assert detect_platform("https://m.douyin.com/x") == "DOUYIN"
    assert detect_platform("https://douyin.com/x") == "DOUYIN"
    assert detect_platform("https://notdouyin.com/x") is None
    assert detect_platform("https://douyin.com.evil.example/x") is None


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_empty_input_is_rejected_with_the_vendor_message(text: str | None) -> None:
    with pytest.raises(errors.InputError, match=share.MSG_EMPTY) as info:
        parse_share_text(text)
    assert "paste" in str(info.value)


@pytest.mark.parametrize("text", ["今天的晚霞太美了 #日落 E@u.Fs 09/15 tRK:/", "https://www.douyin.com/", "https://localhost/a"])
def test_unrecognisable_input_is_rejected(text: str) -> None:
    with pytest.raises(errors.InputError, match=share.MSG_UNRECOGNISED):
        parse_share_text(text)


def test_too_long_url_is_rejected() -> None:
    url = "https://v.douyin.com/" + "a" * share.MAX_URL_LENGTH
    with pytest.raises(errors.InputError, match="The URL is too long") as info:
        parse_share_text(f"看 {url} 好看")
    assert str(share.MAX_URL_LENGTH) in str(info.value)


def test_url_at_the_limit_is_accepted() -> None:
    base = "https://v.douyin.com/"
    url = base + "a" * (share.MAX_URL_LENGTH - len(base))
    assert parse_share_text(url).url == url


def test_too_long_text_is_rejected() -> None:
    with pytest.raises(errors.InputError, match="The URL is too long"):
        parse_share_text("字" * (share.MAX_TEXT_LENGTH + 1) + " https://v.douyin.com/a/")


@pytest.mark.parametrize("url", ["https://www.youtube.com/watch?v=abc", "https://example.com/video/1"])
def test_unknown_or_unaccepted_platform_is_rejected(url: str) -> None:
    with pytest.raises(errors.UnsupportedPlatformError) as info:
        parse_share_text(f"看 {url}", supported=("DOUYIN", "XHS", "KUAISHOU"), vendor="transcriptgenerate")
    error = info.value
    assert error.vendor == "transcriptgenerate"
    assert error.vendor_message == share.MSG_UNSUPPORTED
    assert "DOUYIN, XHS, KUAISHOU" in str(error)


def test_known_platform_outside_supported_set_is_rejected() -> None:
    with pytest.raises(errors.UnsupportedPlatformError, match="BILIBILI"):
        parse_share_text("https://b23.tv/Ab12Cd3", supported=("DOUYIN",))


def test_share_link_is_frozen() -> None:
    link = parse_share_text(DOUYIN_TEXT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.url = "x"  # type: ignore[misc]


# -- properties ----------------------------------------------------------------------------

HOSTS = {
    "v.douyin.com": "DOUYIN", "www.douyin.com": "DOUYIN", "www.iesdouyin.com": "DOUYIN",
    "xhslink.com": "XHS", "www.xiaohongshu.com": "XHS",
    "v.kuaishou.com": "KUAISHOU", "www.kuaishou.com": "KUAISHOU",
    "weibo.com": "WEIBO", "video.weibo.com": "WEIBO", "m.weibo.cn": "WEIBO",
    "b23.tv": "BILIBILI", "www.bilibili.com": "BILIBILI",
}
SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=16)
QUERY = st.lists(st.tuples(SEGMENT, SEGMENT), max_size=3).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


@st.composite
def platform_urls(draw: st.DrawFn) -> tuple[str, str]:
    host = draw(st.sampled_from(sorted(HOSTS)))
    scheme = draw(st.sampled_from(["https", "http"]))
    path = "/".join(draw(st.lists(SEGMENT, min_size=1, max_size=4)))
    slash = draw(st.sampled_from(["", "/"]))
    query = draw(QUERY)
    url = f"{scheme}://{host}/{path}{slash}" + (f"?{query}" if query else "")
    return url, HOSTS[host]


# Surrounding text as apps write it: CJK, emoji, Chinese punctuation, spaces and tracking tokens.
NOISE_CHARS = "复制打开抖音看看作品今天的晚霞太美了小红书快手微博哔哩【】《》「」，。！？、；：（）…😆🔥✨👍🎬 \n\t"
TOKENS = st.sampled_from(["E@u.Fs", "09/15", "tRK:/", "#日落", "@某某", "7.43", "Dou音", "App", "Y9Z:/", "2.05 ehO:/"])
NOISE = st.lists(st.one_of(st.text(alphabet=NOISE_CHARS, min_size=1, max_size=12), TOKENS), max_size=6).map(" ".join)
# What may sit right before or after a link in a share text without becoming part of it.
EDGE = st.sampled_from([" ", "\n", "，", "。", "！", "【", "】", "😆", "复", "（", "）", "…"])
TRAILING = st.sampled_from(["", ".", ",", "!", "?", ";", ":", ")", "。", "，", "！"])


@settings(max_examples=200, deadline=None)
@given(platform_urls(), NOISE, EDGE, TRAILING, EDGE, NOISE)
def test_any_supported_url_in_noise_is_extracted_exactly(
    url_platform: tuple[str, str], before: str, left: str, trailing: str, right: str, after: str
) -> None:
    url, platform = url_platform
    text = f"{before}{left}{url}{trailing}{right}{after}"
    link = parse_share_text(text)
    assert link.url == url
    assert link.platform == platform
    assert link.original_text == text


@settings(max_examples=200, deadline=None)
@given(NOISE)
def test_noise_without_a_link_is_unrecognisable(text: str) -> None:
    with pytest.raises(errors.InputError):
        parse_share_text(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_either_parses_or_raises_a_pipeline_error(text: str) -> None:
    try:
        link = parse_share_text(text)
    except (errors.InputError, errors.UnsupportedPlatformError):
        return
    assert link.url in text or link.url.removeprefix("https://") in text
    assert detect_platform(link.url) == link.platform


@pytest.mark.parametrize(("pasted", "canonical"), [
    ("https://www.douyin.com/video/7301234567890123456?modeFrom=userPost&secUid=MS4wLjABAAAA_x&previous_page=app",
     "https://www.douyin.com/video/7301234567890123456"),
    ("https://www.douyin.com/user/MS4wLjABAAAA_x?modal_id=7301234567890123456&vid=1",
     "https://www.douyin.com/video/7301234567890123456"),
    ("https://www.douyin.com/discover?modal_id=7301234567890123456", "https://www.douyin.com/video/7301234567890123456"),
    ("https://www.iesdouyin.com/share/video/7301234567890123456/?region=CN&mid=1&u_code=x&did=2&share_sign=s",
     "https://www.iesdouyin.com/share/video/7301234567890123456/"),
    ("https://v.douyin.com/iRNBho6u/", "https://v.douyin.com/iRNBho6u/"),
    ("https://www.xiaohongshu.com/explore/64a1b2c3d4e5f6?xsec_token=ABxyz=&xsec_source=pc_feed",
     "https://www.xiaohongshu.com/explore/64a1b2c3d4e5f6"),
    ("https://www.xiaohongshu.com/discovery/item/64a1b2c3d4e5f6?app_platform=ios&share_from_user_hidden=true",
     "https://www.xiaohongshu.com/explore/64a1b2c3d4e5f6"),
    ("http://xhslink.com/a/AbCdEf", "https://xhslink.com/a/AbCdEf"),
    ("https://www.kuaishou.com/short-video/3xabc123?authorId=3x99&streamSource=profile&area=profilexxnull",
     "https://www.kuaishou.com/short-video/3xabc123"),
    ("https://www.bilibili.com/video/BV1xx411c7mD?p=2&share_source=copy&spm_id_from=333.1&vd_source=abc",
     "https://www.bilibili.com/video/BV1xx411c7mD?p=2"),
    ("https://youtu.be/dQw4w9WgXcQ?si=AbC123", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1&si=x&feature=share",
     "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/abcDEF12345?feature=share", "https://www.youtube.com/shorts/abcDEF12345"),
    ("https://video.weibo.com/show?fid=1034:4839283746&from=old_pc", "https://video.weibo.com/show?fid=1034:4839283746"),
    ("https://www.tiktok.com/@someone/video/7301?is_from_webapp=1&sender_device=pc#comments",
     "https://www.tiktok.com/@someone/video/7301"),
    ("https://WWW.Douyin.COM/video/7301", "https://www.douyin.com/video/7301"),
])
def test_share_links_are_reduced_to_the_work(pasted: str, canonical: str) -> None:
    link = parse_share_text(f"复制打开看看 {pasted} 9/15")
    assert link.url == pasted.split("#")[0] or link.url == pasted
    assert link.canonical == canonical


def test_the_same_video_pasted_two_ways_is_one_link() -> None:
    a = parse_share_text("https://www.douyin.com/video/7301?modeFrom=userPost&secUid=A")
    b = parse_share_text("看看 https://www.douyin.com/video/7301?modeFrom=other&secUid=B&previous_page=x ！")
    assert a.canonical == b.canonical and "secUid" not in a.canonical


@settings(max_examples=200, deadline=None)
@given(platform_urls())
def test_canonical_links_keep_host_and_path_and_are_stable(url_platform: tuple[str, str]) -> None:
    url, platform = url_platform
    canonical = canonical_url(url, platform)
    assert canonical_url(canonical, platform) == canonical, "canonicalising twice changes nothing"
    assert canonical.startswith("https://") and detect_platform(canonical) == platform
    assert parse_share_text(canonical).canonical == canonical
