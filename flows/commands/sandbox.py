"""``subtitle-pipeline sandbox``: run the vendor sandbox on loopback until interrupted."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("sandbox", help="run the vendor sandbox on loopback until interrupted")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    p.add_argument("--latency-ms", type=int, default=1000, help="fixed processing time per job (ms)")
    p.add_argument("--latency-per-audio-second-ms", type=float, default=20.0, help="extra processing time per audio second (ms)")
    p.add_argument("--max-hold", type=float, default=10.0, help="longest a blocking query is held (s)")
    p.add_argument("--qps", type=float, default=None, help="requests per second per appid before 1003")
    p.add_argument("--allowance", type=int, default=None, help="accepted submits before 1004")
    p.add_argument("--code-as-string", action="store_true", help='answer "code" as a string, as some deployments do')
    p.add_argument("--transcripts", action="append", default=None, metavar="DIR",
                   help="folder of media files with X.txt transcripts beside them (repeatable; default: samples/)")
    p.add_argument("--seed", type=int, default=0, help="seed for injected faults")
    p.add_argument("--drop-rate", type=float, default=0.0, help="share of requests whose connection is dropped")
    p.add_argument("--drop-after-handling", action="store_true",
                   help="drop those connections after the request was handled: a submit's job exists (and is "
                        "charged) but its answer is lost, the case a client must treat as in doubt")
    p.add_argument("--drop-after-rate", type=float, default=0.0,
                   help="another share of requests dropped after they were handled (mixes both kinds of drop)")
    p.add_argument("--5xx-rate", dest="http_5xx_rate", type=float, default=0.0, help="share of requests answered HTTP 503")
    p.add_argument("--error", action="append", default=[], metavar="CODE:RATE[:ENDPOINT]", type=error_rule,
                   help="answer a vendor code at this rate, e.g. 1005:0.1:volcengine.caption.submit (repeatable)")
    p.add_argument("--task-error", action="append", default=[], metavar="CODE:RATE[:ENDPOINT]", type=error_rule,
                   help="end this share of accepted jobs with a code, e.g. 1021:0.05 or failed:0.1:yinzi.* (repeatable)")
    p.add_argument("--slow-rate", type=float, default=0.0, help="share of answers delayed by --slow-ms")
    p.add_argument("--slow-ms", type=int, default=0, help="delay of slow answers (ms)")
    p.add_argument("--tg-max-concurrency", type=int, default=2, help="TranscriptGenerate task slots (default 2)")
    p.add_argument("--tg-quota-seconds", type=int, default=7200, help="TranscriptGenerate quota; -1 for unlimited")
    p.add_argument("--tg-not-member", action="store_true",
                   help="a TranscriptGenerate account without membership: translation (targetLanguage) refused with 601")
    p.add_argument("--yinzi-balance", type=float, default=1000.0, help="Yinzi points balance (default 1000)")
    p.add_argument("--link-ttl", type=float, default=3600.0, help="lifetime of result/media links in seconds")
    p.set_defaults(run=run)


def error_rule(text: str) -> object:
    """``CODE:RATE[:ENDPOINT]`` → an ErrorRule (argparse reports a ValueError as a bad option)."""
    from pipeline.sandbox import ErrorRule

    parts = text.split(":", 2)
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"{text!r}: expected CODE:RATE[:ENDPOINT], e.g. 1005:0.1")
    code: int | str = int(parts[0]) if parts[0].isdigit() else parts[0]
    try:
        rate = float(parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: RATE must be a number between 0 and 1") from None
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: RATE must be between 0 and 1")
    return ErrorRule(code, rate, parts[2] if len(parts) == 3 else "*")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.sandbox import (
        FaultConfig,
        MediaLibraryConfig,
        SandboxConfig,
        TranscriptGenerateConfig,
        YinziConfig,
        serve,
    )
    from pipeline.sandbox.state import DEFAULT_TRANSCRIPT_DIRS, default_jobs_dir

    transcript_dirs = tuple(Path(d) for d in args.transcripts) if args.transcripts else DEFAULT_TRANSCRIPT_DIRS
    config = SandboxConfig(
        jobs_dir=default_jobs_dir(),  # a restarted sandbox still answers for the jobs it finished
        processing_ms=args.latency_ms, processing_ms_per_audio_s=args.latency_per_audio_second_ms,
        max_hold_s=args.max_hold, qps_limit=args.qps, call_allowance=args.allowance, code_as_string=args.code_as_string,
        faults=FaultConfig(seed=args.seed, drop_rate=args.drop_rate,
                           drop_after_handling=args.drop_after_handling, drop_after_rate=args.drop_after_rate, http_5xx_rate=args.http_5xx_rate,
                           errors=tuple(args.error), task_errors=tuple(args.task_error),
                           slow_rate=args.slow_rate, slow_ms=args.slow_ms),
        vendors={
            "transcriptgenerate": TranscriptGenerateConfig(
                max_concurrency=args.tg_max_concurrency, member=not args.tg_not_member,
                total_seconds=None if args.tg_quota_seconds < 0 else args.tg_quota_seconds),
            "yinzi": YinziConfig(balance=args.yinzi_balance),
            "media_library": MediaLibraryConfig(link_ttl_s=args.link_ttl),
        },
        transcript_dirs=transcript_dirs,
    )
    serve(args.host, args.port, config)
    return 0
