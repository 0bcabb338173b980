"""Everything that talks to OBS Studio, behind a small port.

- `port`: the `ObsPort` protocol and the plain data it returns and emits.
- `client`: `ObsClient`, the obs-websocket 5 adapter (the only module importing simpleobsws);
  its typed requests are in `requests`, obs-websocket's data and messages in `protocol`.
- `controller`: `ObsController`, the self-healing part the app drives with desired
  state and one-shot actions; it runs everything in one TaskGroup (`_drive`) and
  composes parts whose rules are sans-I/O (a `Moment` in, a `Step` of typed commands
  out, `machine_messages`; the bookkeeping in `step_builder`), each with a thin
  asyncio shell: scene switching (`switching` with `switch_book` and `switch_job`;
  shell `switcher`, precise release in `release`), output actions (`output_rules`;
  shell `outputs`), the studio-mode preview (`preview_rules`; shell `preview`), OBS's
  scene list (`scenewatch`) and the announcements (`announce_rules`; shell
  `announce`). A standby pair's side (issue 24) is `takeover` (`controller.fencing`:
  drive under an epoch, stand by, stand down, take over), its pure reconciliation
  `takeover_rules`, and `fenced_port`, through which every request that changes OBS
  passes (refused while standing by; a pair's driver waits for a fresh lease). The
  connection (`connection`, `probe`) and the throttled texts
  (`texts`) are asyncio parts; all share `context` (status, events, background
  tasks). See docs/architecture-obs.md.
- `status`: `ObsStatus` snapshots, states and modes, policies as data.
- `events`: the frozen `ObsEvent`s it reports (JSON-ready): connection and scenes there,
  outputs, actions and texts in `output_events`, the base in `event_base`.
- `preflight`: do the programme's scenes, transitions and text sources exist? (the
  checks themselves in `names`); `factory`: the controller a programme's settings ask for.

The in-process fake obs-websocket server the tests use lives in `tests/obs/fake.py`.

Nothing here is imported by `timekeeper.core`; the engine stays independent of OBS.
"""
