"""`timekeeper cuts LOG`: where each recorded talk is in OBS's recordings, and the cut files.

Reads the log (timekeeper.asrun), finds the pieces (timekeeper.cuts.timeline),
names them from the programme the log names (titles, guid and slug,
`do_not_record` left out), and writes the list (CSV, JSON, ffmpeg concat,
EDL), the chapters beside each recording, and with `--split DIR` one file per
piece (timekeeper.cuts.split), saying for each how it was cut.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from timekeeper.asrun.log import LogContents, read_log
from timekeeper.atomicfile import write_file
from timekeeper.core.programme import Programme
from timekeeper.cuts import align, formats, split, splitfiles
from timekeeper.cuts.formats import Named
from timekeeper.cuts.timeline import Cut, Cuts, find_cuts
from timekeeper.errors import TimekeeperError
from timekeeper.interop import identity

FORMATS = ("csv", "json", "concat", "edl")


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    cuts = sub.add_parser(
        "cuts", help="each recorded talk's file and in/out offsets, from an as-run log"
    )
    cuts.add_argument("log", metavar="LOG", help="an as-run log written by `timekeeper run`")
    cuts.add_argument("--format", choices=FORMATS, default="csv", help="list format (default csv)")
    cuts.add_argument("-o", "--output", metavar="FILE", help="write the list to FILE")
    cuts.add_argument(
        "--recordings",
        metavar="DIR",
        help="where the recordings are now (found by file name; default: where OBS wrote them)",
    )
    cuts.add_argument(
        "--name",
        choices=("auto", "slot", "guid", "slug"),
        default="auto",
        help="name split files by NN-slot id, the schedule's guid, or the slug; default auto: "
        "the guid for a talk imported from a schedule (its id is the guid), else NN-slot id",
    )
    cuts.add_argument(
        "--chapters", action="store_true", help="write REC.ffmetadata chapters beside each file"
    )
    cuts.add_argument(
        "--split", metavar="DIR", help="cut one file per talk into DIR with ffmpeg (frame-exact)"
    )
    cuts.add_argument(
        "--align",
        action="store_true",
        help="measure in each recording's picture where the logged scene switches are, and "
        "correct the offsets to the frame (needs ffmpeg; always on with --split)",
    )
    cuts.add_argument("--fps", type=int, default=25, help="EDL timecode rate (default 25)")


def run_cuts(args: argparse.Namespace) -> int:
    contents = read_log(Path(args.log))
    if contents.header is None:
        raise TimekeeperError(f"{args.log} has no run header: it is not an as-run log")
    for warning in contents.warnings:
        print(f"timekeeper: warning: {warning}", file=sys.stderr)
    programme = _programme(contents)
    left_out = [s.id for s in programme.slots if s.do_not_record]
    found = find_cuts(contents.header.to_json(), contents.records, leave_out=left_out)
    warnings = list(found.warnings)
    notes: list[str] = []
    cuts = _split_files(_relocated(found, args.recordings), notes, warnings)
    named = _named(cuts, programme, args.name)
    if args.align or args.split:
        named = _align(named, notes, warnings)
    for warning in warnings:
        print(f"timekeeper: warning: {warning}", file=sys.stderr)
    for note in notes:
        print(f"timekeeper: {note}", file=sys.stderr)
    live = _live_slots(contents)
    gone = [{"slot": s, "reason": "do_not_record"} for s in left_out if s in live]
    gone += [{"slot": s, "reason": "not recorded"} for s in found.not_recorded]
    text = _render(args, named, gone, warnings, notes, programme)
    if args.output:
        _write(Path(args.output), text)
    elif not args.split:
        sys.stdout.write(text)
    if args.chapters:
        for path, pieces in _by_file(named).items():
            chapters = Path(path).with_name(Path(path).name + ".ffmetadata")
            _write(chapters, formats.to_ffmetadata(pieces))
            print(f"chapters: {chapters}", file=sys.stderr)
    if args.split:
        return _split(named, Path(args.split), gone, warnings + notes, args.log)
    return 0


def _render(
    args: argparse.Namespace,
    named: Sequence[Named],
    gone: list[dict[str, str]],
    warnings: list[str],
    notes: list[str],
    programme: Programme,
) -> str:
    if args.format == "json":
        return formats.to_json(
            named, log=str(args.log), left_out=gone, warnings=warnings, notes=notes
        )
    if args.format == "concat":
        return formats.to_concat(named)
    if args.format == "edl":
        return formats.to_edl(named, title=programme.event.title, fps=args.fps)
    return formats.to_csv(named)


def _split(
    named: Sequence[Named], folder: Path, gone: list[dict[str, str]], warnings: list[str], log: str
) -> int:
    split.tools()
    probed: dict[str, split.Media] = {}
    rows = []
    failed = 0
    for item in named:
        cut = item.cut
        if cut.path is None or not Path(cut.path).is_file():
            print(f"{cut.slot}: SKIPPED: recording {cut.path or '(unknown)'} not found")
            failed += 1
            continue
        source = Path(cut.path)
        media = probed.get(cut.path) or probed.setdefault(cut.path, split.probe(source))
        dest = folder / (item.name + source.suffix)
        done = split.split_one(source, media, cut.inpoint, cut.outpoint, dest)
        print(f"{cut.slot}: {dest} ({done.note})")
        rows.append({**item.row(), "split": str(dest), "method": done.method,
                     "reencoded": done.reencoded})  # fmt: skip
    doc = {"log": log, "cuts": rows, "left_out": gone, "warnings": warnings}
    _write(folder / "cuts.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return 1 if failed else 0


def _align(named: list[Named], notes: list[str], warnings: list[str]) -> list[Named]:
    """Each cut edge moved to where the recording's picture changes (see cuts.align)."""
    out = list(named)
    for path, pieces in _by_file(named).items():
        if not Path(path).is_file():
            warnings.append(f"not aligned: {path} not found (--recordings DIR?)")
            continue
        media = split.probe(Path(path))
        edges = {e for n in pieces for e in (n.cut.inpoint, n.cut.outpoint) if e > 0}
        found = align.changes(Path(path), media, sorted(edges))
        shift = align.offset(found)
        if shift is None:
            warnings.append(f"not aligned: no clear picture change at the switches in {path}")
            continue
        notes.append(
            f"aligned {Path(path).name} on its picture: {len(found)} of {len(edges)} edges seen, "
            f"the log {abs(shift) * 1000:.0f} ms {'late' if shift > 0 else 'early'} (median)"
        )

        def moved(edge: float, shift: float = shift, found: dict[float, float] = found) -> float:
            return found.get(edge, round(max(0.0, edge - shift), 3)) if edge > 0 else edge

        for i, item in enumerate(out):
            if item.cut.path == path:
                c = item.cut
                cut = replace(c, inpoint=moved(c.inpoint), outpoint=moved(c.outpoint))
                out[i] = replace(item, cut=cut)
    return out


def _relocated(found: Cuts, recordings: str | None) -> Cuts:
    """With --recordings DIR: every file looked for by its name in DIR."""
    if not recordings:
        return found

    def move(path: str | None) -> str | None:
        return str(Path(recordings) / Path(path).name) if path is not None else None

    return replace(
        found,
        cuts=tuple(replace(c, path=move(c.path)) for c in found.cuts),
        recordings=tuple(
            replace(r, path=move(r.path), last_path=move(r.last_path)) for r in found.recordings
        ),
    )


def _split_files(found: Cuts, notes: list[str], warnings: list[str]) -> list[Cut]:
    """Cuts of a recording OBS split into several files, spread over those files."""
    cuts = list(found.cuts)
    for rec in found.recordings:
        if rec.path is None or rec.last_path is None:
            continue
        files = splitfiles.files_between(Path(rec.path), Path(rec.last_path))
        if not files:
            warnings.append(
                f"OBS split the recording {rec.path} … {rec.last_path} into several files, "
                "which were not found together: its offsets count from the start of the first"
            )
            continue
        lengths = [(str(f), split.probe(f).duration) for f in files]
        cuts = splitfiles.spread(cuts, rec.path, lengths)
        notes.append(f"{Path(rec.path).name}: OBS split it into {len(files)} files")
    return cuts


def _named(cuts: Sequence[Cut], programme: Programme, naming: str) -> list[Named]:
    slots = {s.id: (i, s) for i, s in enumerate(programme.slots)}
    parts: dict[str, int] = {}
    for cut in cuts:
        parts[cut.slot] = max(parts.get(cut.slot, 0), cut.part)
    out = []
    for cut in cuts:
        index, slot = slots.get(cut.slot, (len(slots), None))
        guid = identity.guid(programme, slot) if slot else ""
        slug = identity.slug(programme, slot) if slot else ""
        how = naming
        if how == "auto":  # a talk imported from a schedule has its guid as its id
            how = "guid" if slot is not None and guid == slot.id else "slot"
        base = {"guid": guid, "slug": slug}.get(how) or f"{index + 1:02d}-{cut.slot}"
        name = f"{base}-part{cut.part}" if parts[cut.slot] > 1 else base
        out.append(Named(cut, slot.title if slot else cut.slot, guid, slug, name))
    return out


def _by_file(named: Sequence[Named]) -> dict[str, list[Named]]:
    out: dict[str, list[Named]] = {}
    for item in named:
        if item.cut.path is not None:
            out.setdefault(item.cut.path, []).append(item)
    return out


def _live_slots(contents: LogContents) -> set[str]:
    return {str(r["slot"]) for r in contents.events("slot_started") if "slot" in r}


def _programme(contents: LogContents) -> Programme:
    """The programme the log names: titles, names, and which slots must not be cut
    (`do_not_record`), so it is required (the report's rule for finding it)."""
    from timekeeper.commands.report import _programme as programme_of

    return programme_of(contents)


def _write(path: Path, text: str) -> None:
    try:
        write_file(path, text)
    except OSError as exc:
        raise TimekeeperError(f"cannot write {path}: {exc}") from exc
