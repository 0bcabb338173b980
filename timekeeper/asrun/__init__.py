"""The as-run log: what happened during a run, durably; crash recovery; the post-show report.

`timekeeper run` calls `start_run` (fresh run or resume) and subscribes
`RunStart.log.record_events` to the ShowSession; `timekeeper report` reads a
log with `read_log` and renders `build_report`. docs/as-run-log.md has the
format. Nothing here reads the clock itself: clocks are passed in.
"""

from timekeeper.asrun.log import (
    AsRunError,
    AsRunLog,
    LogContents,
    LogFormatError,
    LogHealth,
    LogInUseError,
    LogLocationError,
    LogMismatchError,
    LogWriteError,
    RunHeader,
    default_log_path,
    read_log,
)
from timekeeper.asrun.resume import (
    ResumeResult,
    RunStart,
    find_resumable,
    resume,
    start_run,
)

__all__ = [
    "AsRunError",
    "AsRunLog",
    "LogContents",
    "LogFormatError",
    "LogHealth",
    "LogInUseError",
    "LogLocationError",
    "LogMismatchError",
    "LogWriteError",
    "ResumeResult",
    "RunHeader",
    "RunStart",
    "default_log_path",
    "find_resumable",
    "read_log",
    "resume",
    "start_run",
]
