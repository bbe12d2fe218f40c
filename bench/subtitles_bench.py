"""Benchmark: our cue builder and writers against deepgram-captions on a 10-hour transcript.

Why: a feature film is 2 hours and a conference recording can run 10; building subtitles
must stay well under a second per hour so re-wrapping with other limits feels instant.
deepgram-captions is the reference point because it is the popular minimal tool: it only
chunks each utterance into groups of N words, with no line breaking, no reading-speed or
gap rules. Ours does the full job (sentence/pause/clause splits, balanced two-line wrapping,
jieba word boundaries for Chinese, timing rules), so matching its speed is the bar.

Both sides get the same synthetic words (seeded, so runs are comparable): Chinese at about
4 characters per second with one word per character and punctuation only in the utterance
text, as Chinese vendors return it; English at about 2.5 words per second. Sentences carry
commas and end marks, with short pauses after commas and longer ones between sentences.

``--volcengine`` times the path a real Chinese job takes instead, each run in a fresh process
(cold imports and caches): a seeded Volcengine caption answer for 10 hours (5,000 utterances,
~155,000 one-character words, punctuation only in the utterance text) through jieba's
dictionary load (reported apart), ``transcript_from_volcengine``, ``build_cues`` and the
SRT/WebVTT/ASS writers, with the time the garbage collector took and where jieba's
dictionary came from. ``--baseline DIR`` pairs every run with one on another checkout's code.

Run::

    .venv/bin/pip install deepgram-captions   # bench only, not a runtime dependency
    .venv/bin/python bench/subtitles_bench.py [--hours 10] [--runs 5] [--profile]
    .venv/bin/python bench/subtitles_bench.py --volcengine [--runs 5] [--baseline DIR] [--profile]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba

# Run from a checkout without installing; --baseline children import another checkout's code.
sys.path.insert(0, os.environ.get("SUBTITLES_BENCH_CODE") or str(Path(__file__).resolve().parents[1]))

from pipeline.subtitles import build_cues, rules_for  # noqa: E402
from pipeline.subtitles.formats import ass_text, srt_text, vtt_text  # noqa: E402
from pipeline.transcript import Transcript, Utterance, Word  # noqa: E402

# Common two- and three-character words so jieba sees real words, not noise.
ZH_WORDS = (
    "我们 今天 这个 问题 已经 可以 因为 所以 但是 如果 时候 大家 自己 工作 生活 时间 视频 字幕 "
    "朋友 城市 公司 学校 老师 学生 喜欢 知道 觉得 认为 需要 开始 结束 发现 看到 听到 一起 非常 "
    "特别 其实 然后 还是 或者 不过 虽然 而且 电影 音乐 手机 电脑 网络 世界 中国 北京 上海 "
    "早上 晚上 明天 昨天 现在 以后 之前 地方 东西 事情 办法 机会 经验 方法 历史 文化 经济 "
    "发展 重要 简单 困难 清楚 准备 讨论 解决 介绍 帮助 希望 相信 完成 继续 注意 选择 "
    "用户 产品 设计 市场 数据 系统 服务 内容 平台 团队 项目 计划 结果 原因 影响 部分 的 了 在 是"
).split()
EN_WORDS = (
    "the of and to a in that it is was for on are as with his they at be this have from or one had by "
    "word but not what all were we when your can said there use an each which she do how their if will "
    "up other about out many then them these so some her would make like him into time has look two more "
    "write go see number no way could people my than first water been call who oil its now find long down "
    "day did get come made may part subtitle editor timeline camera frame interview speaker audience story"
).split()
ZH_CLAUSE, ZH_END = "，", "。。。？！"
EN_CLAUSE, EN_END = ",", "...?!"


@dataclass
class Synthetic:
    """One transcript in both shapes: ours and Deepgram's response JSON."""

    transcript: Transcript
    deepgram: dict[str, Any]
    words: int


def _sentence(rng: random.Random, chinese: bool) -> list[str]:
    """Tokens of one sentence (Chinese: characters; English: words), with punctuation attached."""
    tokens: list[str] = []
    for clause in range(rng.randint(1, 3)):
        if clause:
            tokens[-1] += ZH_CLAUSE if chinese else EN_CLAUSE
        if chinese:
            tokens.extend(ch for _ in range(rng.randint(2, 7)) for ch in rng.choice(ZH_WORDS))
        else:
            tokens.extend(rng.choice(EN_WORDS) for _ in range(rng.randint(3, 9)))
    tokens[-1] += rng.choice(ZH_END if chinese else EN_END)
    if not chinese:
        tokens[0] = tokens[0].capitalize()
    return tokens


def _bare(token: str) -> str:
    return token.rstrip("，。？！,.?!")


def synthesize(language: str, hours: float, seed: int = 7) -> Synthetic:
    """A seeded transcript of ``hours`` of speech: utterances of 1-3 sentences with pauses."""
    chinese = language.startswith("zh")
    rng = random.Random(seed)
    per_token_ms = 250 if chinese else 400  # 4 chars/s, 2.5 words/s, pauses included on average
    end_ms, now = int(hours * 3_600_000), 0
    utterances: list[Utterance] = []
    dg_utterances: list[dict[str, Any]] = []
    count = 0
    while now < end_ms:
        tokens = [t for _ in range(rng.randint(1, 3)) for t in _sentence(rng, chinese)]
        words: list[Word] = []
        dg_words: list[dict[str, Any]] = []
        for token in tokens:
            length = rng.randint(int(per_token_ms * 0.55), int(per_token_ms * 0.85))
            words.append(Word(_bare(token), now, now + length))
            dg_words.append({"word": _bare(token).lower(), "start": now / 1000, "end": (now + length) / 1000,
                             "confidence": 0.99, "punctuated_word": token})
            now += length + (rng.randint(150, 350) if token[-1] in "，,。？！.?!" else rng.randint(0, 60))
        text = ("" if chinese else " ").join(tokens)
        utterances.append(Utterance(text, words[0].start_ms, words[-1].end_ms, tuple(words)))
        dg_utterances.append({"start": words[0].start_ms / 1000, "end": words[-1].end_ms / 1000, "confidence": 0.99,
                              "channel": 0, "transcript": text, "words": dg_words})
        count += len(words)
        now += rng.randint(300, 1200)
    transcript = Transcript(tuple(utterances), language=language, duration_ms=now)
    all_words = [w for u in dg_utterances for w in u["words"]]
    deepgram = {
        "metadata": {"request_id": "bench", "duration": now / 1000, "channels": 1},
        "results": {
            "channels": [{"alternatives": [{"transcript": " ".join(u["transcript"] for u in dg_utterances),
                                            "confidence": 0.99, "words": all_words}]}],
            "utterances": dg_utterances,
        },
    }
    return Synthetic(transcript, deepgram, count)


def ours(data: Synthetic) -> dict[str, float]:
    """Build cues with full wrapping and render SRT, WebVTT and ASS; seconds per stage."""
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    cues = build_cues(data.transcript, rules_for(data.transcript.language))
    t1 = time.perf_counter()
    srt_text(cues)
    t2 = time.perf_counter()
    vtt_text(cues)
    t3 = time.perf_counter()
    ass_text(cues)
    t4 = time.perf_counter()
    stages.update(build=t1 - t0, srt=t2 - t1, vtt=t3 - t2, ass=t4 - t3, total=t4 - t0, cues=len(cues))
    return stages


def theirs(data: Synthetic) -> dict[str, float]:
    """deepgram-captions: converter + SRT + WebVTT (8 words per cue, its default)."""
    from deepgram_captions import DeepgramConverter, srt, webvtt

    t0 = time.perf_counter()
    converter = DeepgramConverter(data.deepgram)
    srt(converter)
    t1 = time.perf_counter()
    webvtt(converter)
    t2 = time.perf_counter()
    return {"srt": t1 - t0, "vtt": t2 - t1, "total": t2 - t0}


def paired_runs(runs: int, data: Synthetic) -> tuple[dict[str, float], dict[str, float], list[float]]:
    """Ours and theirs run alternately, ``runs`` times each; the fastest of each and every pair's ratio.

    Alternating puts both sides under the same machine conditions (a shared VM drifts by 10 %
    or more within a minute), so the median of the per-pair ratios is the steadier number.
    """
    mine: list[dict[str, float]] = []
    ref: list[dict[str, float]] = []
    for _ in range(runs):
        gc.collect()
        mine.append(ours(data))
        gc.collect()
        ref.append(theirs(data))
    # The first pair also pays each side's one-off warm-up (our per-character and per-token
    # caches fill on first sight), as a one-shot CLI run does.
    ratios = [m["total"] / r["total"] for m, r in zip(mine, ref, strict=True)]
    return min(mine, key=lambda r: r["total"]), min(ref, key=lambda r: r["total"]), ratios


def profile(data: Synthetic) -> None:
    """Where our time goes (pyinstrument if installed, else cProfile)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        cProfile.runctx("ours(data)", globals(), {"data": data}, "/tmp/subtitles_bench.prof")
        pstats.Stats("/tmp/subtitles_bench.prof").sort_stats("cumulative").print_stats(30)
        return
    profiler = Profiler()
    profiler.start()
    ours(data)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


# --------------------------------------------------------------------------- a Volcengine caption answer

# A small phrase grammar of my own: clause = [connective] [time] subject [adverb] verb object [particle].
VC_CONNECTIVES = "但是 所以 因为 如果 而且 然后 不过 虽然 另外 同时 首先 其次 最后 总之 比如说 也就是说 换句话说".split()
VC_TIMES = "今天 昨天 明天 现在 最近 以前 后来 当时 刚才 每天 周末 晚上 早上 去年 上个月 下半年 这几年".split()
VC_SUBJECTS = ("我 我们 你 你们 他 她 他们 大家 老师 同学们 这位嘉宾 客户 我们团队 公司 观众朋友们 记者 医生 "
               "工程师 孩子们 年轻人 很多人 主持人 研究人员 志愿者").split()
VC_ADVERBS = "一直 已经 终于 其实 确实 可能 必须 经常 稍微 马上 慢慢 真的 特别 还是 也 都 就 又 再 先 总是 尽量".split()
VC_VERBS = ("讨论 准备 介绍 解决 完成 学习 研究 检查 参观 发现 记录 整理 分享 改进 推荐 观察 了解 安排 支持 "
            "提交 关注 调整 考虑 体验 处理 说明 比较 参加 保护 打听").split()
VC_OBJECTS = ("这个问题 新的方案 那份报告 项目进度 市场数据 用户反馈 产品设计 城市交通 传统文化 历史资料 会议记录 "
              "实验结果 网络安全 健康饮食 教育改革 旅游路线 节目内容 字幕文件 视频素材 天气变化 家里的老人 "
              "社区活动 新能源汽车 人工智能 农村电商 图书馆的开放时间 下一期的选题 明年的预算 这次比赛 "
              "一些细节 具体的数字 大家的意见 手机上的应用 山里的小学 海边的风景").split()
VC_PARTICLES = "了 的 啊 吧 呢".split()
VC_FILLERS = "嗯 对 好的 是的 没错 那个 就是说 这样的话 怎么说呢 其实吧".split()
VC_THINKING = "觉得 认为 发现 听说 希望 相信 知道".split()


def _vc_clause(rng: random.Random) -> str:
    """One clause of made-up but well-formed Chinese (Han characters; a list gets its 、)."""
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(VC_FILLERS)
    parts: list[str] = []
    if rng.random() < 0.3:
        parts.append(rng.choice(VC_CONNECTIVES))
    if rng.random() < 0.3:
        parts.append(rng.choice(VC_TIMES))
    parts.append(rng.choice(VC_SUBJECTS))
    if roll < 0.18:  # "他们觉得 + clause"
        parts.append(rng.choice(VC_THINKING))
        parts.append(rng.choice(VC_SUBJECTS))
    if rng.random() < 0.55:
        parts.append(rng.choice(VC_ADVERBS))
    parts.append(rng.choice(VC_VERBS))
    if rng.random() < 0.2:
        parts.append("一下" if rng.random() < 0.5 else "过")
    parts.append(rng.choice(VC_OBJECTS))
    if rng.random() < 0.09:  # a list: A、B和C
        parts.append("、" + rng.choice(VC_OBJECTS) + "和" + rng.choice(VC_OBJECTS))
    if rng.random() < 0.25:
        parts.append(rng.choice(VC_PARTICLES))
    return "".join(parts)


def _vc_sentence(rng: random.Random) -> str:
    """One to four clauses joined by commas, with an end mark chosen to fit (a question mostly ends in 吗/呢)."""
    clauses = [_vc_clause(rng) for _ in range(rng.choice((1, 1, 2, 2, 2, 3)))]
    roll = rng.random()
    if roll < 0.14:
        clauses[-1] += rng.choice(("吗", "呢", "")) + "？"
    elif roll < 0.2:
        clauses[-1] += "！"
    else:
        clauses[-1] += "。"
    return "，".join(clauses) if rng.random() < 0.93 else "；".join(clauses)


def volcengine_answer(utterances: int = 5000, seed: int = 11) -> dict[str, Any]:
    """A Volcengine caption query answer (``use_punc=True``) as the vendor's JSON decodes.

    ``utterances`` utterances of 1-2 sentences of 1-3 clauses (~31 characters on average, so 5,000 make
    ~155,000 words and ~10 hours); one word per Han character, punctuation only in the
    utterance text. Times are integer milliseconds: 90-225 ms per character at the
    utterance's own speaking rate (x0.8-1.25), words mostly touching or a few ms apart,
    120-450 ms after a comma (one in ten over 600 ms), 250-600 ms after a sentence (one in
    five over 650 ms), rare hesitations over 600 ms inside a clause, 0.25-1.8 s between
    utterances (one in fifty a 3-10 s silence); as the caption API cuts long speech at pauses,
    an utterance sometimes ends at a comma or without a mark.
    """
    rng = random.Random(seed)
    now = rng.randint(300, 2000)
    out: list[dict[str, Any]] = []
    for _ in range(utterances):
        text = "".join(_vc_sentence(rng) for _ in range(rng.choice((1, 1, 1, 1, 2, 2))))
        cut = rng.random()
        if cut < 0.06:  # the caption API also cuts long speech at a pause inside a sentence
            text = text[:-1] + "，"
        elif cut < 0.09:
            text = text[:-1]
        rate = rng.uniform(0.8, 1.25)
        words: list[dict[str, Any]] = []
        pending_gap = 0
        for ch in text:
            if not "\u4e00" <= ch <= "\u9fff":
                if ch in "。？！":
                    pending_gap = rng.randint(650, 1200) if rng.random() < 0.2 else rng.randint(250, 600)
                else:
                    pending_gap = rng.randint(600, 1500) if rng.random() < 0.1 else rng.randint(120, 450)
                continue
            if words:
                if pending_gap:
                    now += pending_gap
                elif rng.random() < 0.007:
                    now += rng.randint(620, 1100)  # hesitation
                else:
                    roll = rng.random()
                    now += 0 if roll < 0.6 else rng.randint(1, 30) if roll < 0.9 else rng.randint(31, 90)
            pending_gap = 0
            length = int(rng.randint(90, 225) * rate)
            words.append({"text": ch, "start_time": now, "end_time": now + length})
            now += length
        out.append({"text": text, "start_time": words[0]["start_time"], "end_time": words[-1]["end_time"],
                    "words": words})
        now += rng.randint(3000, 10000) if rng.random() < 0.02 else rng.randint(250, 1800)
    samples = now * 16 + rng.randint(0, 15)  # the duration is the decoded audio's, in 16 kHz samples
    return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "code": 0, "message": "Success",
            "duration": samples / 16000, "utterances": out}


class _Records(logging.Handler):
    """Keeps jieba's log messages, to tell a dictionary loaded from the cache from one rebuilt."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _GcClock:
    """Seconds spent in the cyclic garbage collector (all generations), and full collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.full += info["generation"] == 2


def _jieba_cache_status(messages: list[str]) -> str:
    """What jieba's own log says about its cache (``jieba.Tokenizer.initialize``)."""
    loaded = [m for m in messages if m.startswith("Loading model from cache ")]
    dumped = [m for m in messages if m.startswith("Dumping model to file cache ")]
    failed = any(m.startswith("Dump cache file failed") for m in messages)
    if loaded and not dumped:
        return "cache " + loaded[0].removeprefix("Loading model from cache ")
    if dumped:
        where = dumped[0].removeprefix("Dumping model to file cache ")
        return f"rebuilt, dump to {where} FAILED" if failed else f"rebuilt, dumped to {where}"
    return "unknown: " + "; ".join(messages)


def _profiled(name: str, work: Any, *args: Any) -> Any:
    """``work(*args)`` under pyinstrument (0.5 ms samples), its call tree printed."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    result = work(*args)
    profiler.stop()
    print(f"==== {name} ====")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return result


def volcengine_child(path: str, profile_stages: bool) -> int:
    """One cold run (fresh process): jieba load, conversion, build, writers; a JSON line of seconds."""
    from pipeline.transcript import transcript_from_volcengine

    answer = json.loads(Path(path).read_text(encoding="utf-8"))  # as the client decodes the answer
    records = _Records()
    jieba_log = logging.getLogger("jieba")
    jieba_log.addHandler(records)
    jieba.setLogLevel(logging.DEBUG)
    for handler in list(jieba_log.handlers):  # jieba's own stderr handler: keep the child quiet
        if handler is not records:
            jieba_log.removeHandler(handler)
    t0 = time.perf_counter()
    jieba.initialize()
    t1 = time.perf_counter()
    jieba.setLogLevel(logging.WARNING)
    rules = rules_for("zh-CN")
    if profile_stages:
        transcript = _profiled("conversion", transcript_from_volcengine, answer, "zh-CN")
        _profiled("build", build_cues, transcript, rules)
        return 0
    clock = _GcClock()
    gc.callbacks.append(clock)
    t2 = time.perf_counter()
    transcript = transcript_from_volcengine(answer, "zh-CN")
    t3, gc_convert = time.perf_counter(), clock.seconds
    cues = build_cues(transcript, rules)
    t4, gc_build = time.perf_counter(), clock.seconds - gc_convert
    srt = srt_text(cues)
    t5 = time.perf_counter()
    vtt = vtt_text(cues)
    t6 = time.perf_counter()
    ass = ass_text(cues)
    t7 = time.perf_counter()
    gc.callbacks.remove(clock)
    digest = hashlib.sha256("\0".join((srt, vtt, ass)).encode()).hexdigest()[:12]
    print(json.dumps({"jieba": t1 - t0, "convert": t3 - t2, "build": t4 - t3, "srt": t5 - t4, "vtt": t6 - t5,
                      "ass": t7 - t6, "write": t7 - t4, "total": t7 - t2, "gc": clock.seconds,
                      "gc_convert": gc_convert, "gc_build": gc_build, "full_gcs": clock.full, "cues": len(cues),
                      "words": sum(len(u.words) for u in transcript.utterances), "output": digest,
                      "code": str(Path(sys.modules["pipeline"].__file__ or "").parents[1]),
                      "cache": _jieba_cache_status(records.messages)}))
    return 0


VC_COLUMNS = {"jieba": "jieba", "convert": "convert", "build": "build", "srt": "srt", "vtt": "vtt", "ass": "ass",
              "write": "write", "total": "total", "gc": "gc", "gc_convert": "gc:conv", "gc_build": "gc:build"}


def _vc_row(label: str, row: dict[str, Any]) -> str:
    return f"{label:>8} " + " ".join(f"{row[k]:>8.3f}" for k in VC_COLUMNS)


def volcengine_runs(runs: int, utterances: int, profile_stages: bool, baseline: str | None) -> int:
    """``runs`` fresh processes on one Volcengine answer; each stage per run and the medians.

    With ``baseline`` (another checkout, e.g. ``git archive HEAD | tar -x -C DIR``), every run
    is a pair: a child importing that checkout's code, then one importing this checkout's,
    so both meet the same machine conditions; the medians of both and of the pairs' ratios.
    """
    answer = volcengine_answer(utterances)
    words = sum(len(u["words"]) for u in answer["utterances"])
    with tempfile.TemporaryDirectory(prefix="subtitles_bench_") as tmp:
        path = Path(tmp, "volcengine.json")
        path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        print(f"Volcengine caption answer: {len(answer['utterances'])} utterances, {words} words, "
              f"{answer['duration'] / 3600:.2f} h, {path.stat().st_size / 1e6:.1f} MB of JSON; "
              f"jieba cache dir {tempfile.gettempdir()}")
        command = [sys.executable, str(Path(__file__).resolve()), "--volcengine-child", str(path)]
        if profile_stages:
            return subprocess.run([*command, "--profile"], check=False).returncode
        sides = {"this": os.environ.copy()}
        if baseline:
            sides = {"base": {**os.environ, "SUBTITLES_BENCH_CODE": str(Path(baseline).resolve())}, **sides}
        print(f"{'run':>8} " + " ".join(f"{label:>8}" for label in VC_COLUMNS.values())
              + "  full gcs, cues, output, jieba dictionary")
        rows: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        for run in range(runs):
            for side, env in sides.items():
                done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
                if done.returncode:
                    sys.stderr.write(done.stdout + done.stderr)
                    return done.returncode
                row = json.loads(done.stdout.strip().splitlines()[-1])
                rows[side].append(row)
                print(_vc_row(f"{run + 1} {side}" if baseline else str(run + 1), row)
                      + f"  {row['full_gcs']}, {row['cues']}, {row['output']}, {row['cache']}")
        for side, side_rows in rows.items():
            medians = {k: statistics.median(r[k] for r in side_rows) for k in VC_COLUMNS}
            print(_vc_row(f"med {side}" if baseline else "median", medians)
                  + (f"  {side_rows[0]['code']}" if baseline else ""))
        if baseline:
            pairs = list(zip(rows["this"], rows["base"], strict=True))
            same = all(a["output"] == b["output"] for a, b in pairs)
            print("this / base, median of the pairs: "
                  + ", ".join(f"{k} {statistics.median(a[k] / b[k] for a, b in pairs):.2f}"
                              for k in ("convert", "build", "write", "total"))
                  + f"; SRT/VTT/ASS output {'identical' if same else 'DIFFERENT'}")
        medians = {k: statistics.median(r[k] for r in rows["this"]) for k in ("jieba", "total")}
        print(f"convert + build + write (median, this checkout): {medians['total']:.3f} s; target <= 1.0 s once "
              f"jieba's dictionary is loaded (the 'jieba' column, {medians['jieba']:.3f} s, is not in it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=5, help="alternating runs of each side (default 5)")
    parser.add_argument("--languages", default="zh-CN,en-US")
    parser.add_argument("--profile", action="store_true", help="profile one run of ours per language")
    parser.add_argument("--volcengine", action="store_true",
                        help="a Volcengine caption answer (Chinese) through conversion, build and writers, "
                             "one fresh process per run (--runs), stages timed apart")
    parser.add_argument("--utterances", type=int, default=5000, help="--volcengine: utterances (default 5000)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="--volcengine: alternate every run with a child importing the code of checkout DIR")
    parser.add_argument("--volcengine-child", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.volcengine_child:
        return volcengine_child(args.volcengine_child, args.profile)
    if args.volcengine:
        return volcengine_runs(args.runs, args.utterances, args.profile, args.baseline)
    # jieba loads its dictionary (0.5 s) on the first break it prices, which a short warm-up
    # text never reaches: load it here, outside the timing, as the comparison intends.
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    print(f"{'language':9} {'words':>8} {'cues':>7} {'ours s':>8} (build/srt/vtt/ass)         {'deepgram s':>10} "
          f"{'best/best':>9} {'median ratio':>12} {'first pair':>10}")
    for language in args.languages.split(","):
        data = synthesize(language, args.hours)
        if args.profile:
            profile(data)
            continue
        mine, ref, ratios = paired_runs(args.runs, data)
        stages = "/".join(f"{mine[k]:.2f}" for k in ("build", "srt", "vtt", "ass"))
        print(f"{language:9} {data.words:>8} {int(mine['cues']):>7} {mine['total']:>8.2f} ({stages:24}) "
              f"{ref['total']:>10.2f} {mine['total'] / ref['total']:>9.2f} {statistics.median(ratios):>12.2f} "
              f"{ratios[0]:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
