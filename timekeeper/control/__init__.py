"""Remote control surfaces: the HTTP control API (`--control`) and OSC input (`--osc`).

`token` (the bearer token), `ratelimit` (token buckets on an injected clock),
`actions` (the operator's actions by name, with the keyboard's confirmation rules,
shared by every surface), `status` (what a button shows), `api` and `openapi` (HTTP,
on the run's server), `osc` (UDP, python-osc), `service` (wiring into a run).
"""
