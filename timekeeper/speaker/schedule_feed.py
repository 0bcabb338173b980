"""`/schedule.json` and `/schedule.ics` on the speaker server: the room's schedule as it runs.

Owns the two read-only handlers (the documents are timekeeper.interop.live_schedule's,
built from the session's status at each request, so their times are those
`/state` shows at that instant). They pass the server's `trust` middleware like
every route. Cross-origin reads are allowed (`Access-Control-Allow-Origin: *`):
a conference's screens and apps load schedule.json from pages of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from timekeeper.interop.live_schedule import schedule_ics, schedule_json

if TYPE_CHECKING:
    from timekeeper.show.session import ShowSession

HEADERS = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}


def add_schedule_routes(app: web.Application, session: ShowSession) -> None:
    async def as_json(request: web.Request) -> web.Response:
        body = schedule_json(session.programme, session.status(), rehearsal=session.rehearsal)
        return web.Response(
            body=body, content_type="application/json", charset="utf-8", headers=HEADERS
        )

    async def as_ics(request: web.Request) -> web.Response:
        body = schedule_ics(session.programme, session.status())
        return web.Response(
            body=body, content_type="text/calendar", charset="utf-8", headers=HEADERS
        )

    app.router.add_get("/schedule.json", as_json)
    app.router.add_get("/schedule.ics", as_ics)
