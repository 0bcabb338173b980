"""Everything that talks to OBS Studio, behind a small port.

- `port`: the `ObsPort` protocol and the plain data it returns and emits.
- `client`: `ObsClient`, the obs-websocket 5 adapter (the only module importing simpleobsws);
  its typed requests are in `requests`, obs-websocket's data and messages in `protocol`.
- `controller`: `ObsController`, the self-healing part the app drives with desired
  state and one-shot actions; a thin composition of
  `connection` (connect, backoff, heartbeat, re-sync; `probe`: the TCP probe that ends a
  backoff as soon as OBS is back), `scenewatch` (OBS's scene list kept live; the
  programme's scenes renamed or removed), `switcher` and `switch_job`
  (scene switches, confirmation, retries, hand overrides), `outputs` (once-only
  stream/record actions), `texts` (throttled text sources) and `preview` (studio
  mode), sharing `context` (status, events, background tasks).
- `status`: `ObsStatus` snapshots, states and modes, policies as data.
- `events`: the frozen `ObsEvent`s it reports (JSON-ready): connection and scenes there,
  outputs, actions and texts in `output_events`, the base in `event_base`.
- `preflight`: do the programme's scenes, transitions and text sources exist? (the
  checks themselves in `names`); `factory`: the controller a programme's settings ask for.

The in-process fake obs-websocket server the tests use lives in `tests/obs/fake.py`.

Nothing here is imported by `timekeeper.core`; the engine stays independent of OBS.
"""
