"""A real `timekeeper run --control --osc` (headless dry run): every action over HTTP and OSC,
with and without the token and the confirmation, the trust checks, the rate limit, and the
as-run log and report naming who moved the show."""

from __future__ import annotations

import json
from pathlib import Path

from tests.control.client import TOKEN, Run, running, timekeeper


def test_every_action_over_http_and_osc_with_the_keyboards_rules(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        # no token, a wrong one: nothing moves
        assert run.act("next", {"confirm": True}, token=None).status == 401
        wrong = run.act("next", {"confirm": True}, token="x" * 40)
        assert wrong.status == 401 and TOKEN not in json.dumps(wrong.body)
        assert run.request("GET", "/api/status", token=None).status == 401
        assert run.status()["mode"] == "before"

        # what the keyboard asks about needs confirm: the question comes back, nothing moves
        asked = run.act("next")
        assert asked.status == 428 and "Start Introduction now?" in asked.body["error"]
        assert run.status()["mode"] == "before"
        started = run.act("next", {"confirm": True})
        assert started.status == 200, started.body
        assert started.body["source"] == "api:deck"
        assert started.body["status"]["live"]["slot"] == "introduction"

        # an action that does not apply: 409 with the engine's reason
        no_turn = run.act("turn")
        assert no_turn.status == 409 and "has no speaker turns" in no_turn.body["error"]

        # +/- act at once; shortening past the deadline asks
        before = run.status()["live"]["countdown"]["remaining_seconds"]
        assert run.act("extend", {"minutes": 2}).status == 200
        after = run.status()["live"]["countdown"]["remaining_seconds"]
        assert 115 <= after - before <= 121
        assert run.act("shorten", {"minutes": 1}).status == 200
        too_far = run.act("shorten", {"minutes": 30})
        assert too_far.status == 428 and "deadline would pass" in too_far.body["error"]
        assert run.status()["live"]["slot"] == "introduction"
        assert run.act("extend", {"minutes": "two"}).status == 400
        assert run.act("extend", {"minutes": 1, "seconds": 5}).status == 400
        assert run.act("warp").status == 404

        # hold / release ask; a second hold does not apply
        assert run.act("hold").status == 428
        assert run.act("hold", {"confirm": True}).status == 200
        assert run.status()["held"] is True
        again = run.act("hold", {"confirm": True})
        assert again.status == 409 and "already on hold" in again.body["error"]
        assert run.act("release", {"confirm": True}).status == 200
        assert run.status()["held"] is False

        # jump asks and names what it skips; then a panel turn, and back
        asked = run.act("jump", {"slot": "panel"})
        assert asked.status == 428 and "Skipped: Keynote lecture" in asked.body["error"]
        assert run.act("jump", {"slot": "nowhere", "confirm": True}).status == 409
        assert run.act("jump", {"slot": "panel", "confirm": True}).status == 200
        status = run.status()
        assert status["live"]["slot"] == "panel" and status["turn"]["speaker"] == "Michele Molè"
        assert run.act("turn").status == 200
        assert run.status()["turn"]["speaker"] == "Beryl ter Haar"
        assert run.act("back").status == 428
        assert run.act("back", {"confirm": True}).status == 200
        assert run.status()["turn"]["speaker"] == "Michele Molè"

        # a message acts at once (the surface typed it on purpose)
        sent = run.act("message", {"text": "Five minutes", "flash": True})
        assert sent.status == 200
        state = run.request("GET", "/state", token=None)
        assert state.body["message"]["text"] == "Five minutes"

        # OBS commands ask too; auto-switch takes an explicit on/off
        assert run.act("resend").status == 428
        assert run.act("resend", {"confirm": True}).status == 200
        assert run.act("auto-switch", {"on": False}).status == 428
        assert run.act("auto-switch", {"on": False, "confirm": True}).status == 200
        assert run.status()["obs"]["auto_switch"] is False
        off = run.act("auto-switch", {"on": False, "confirm": True})
        assert off.status == 409 and "already off" in off.body["error"]

        # OSC obeys the same rules and moves the show
        reply = run.osc_send("/timekeeper/next")
        assert reply.address == "/timekeeper/refused" and reply.params[1] == 428
        assert run.status()["live"]["slot"] == "panel"
        reply = run.osc_send("/timekeeper/next", "confirm")
        assert reply.address == "/timekeeper/done", reply.params
        assert run.status()["live"]["slot"] == "qa"
        assert run.osc_send("/timekeeper/extend", 3).address == "/timekeeper/done"

        out, err = run.stop()
        log_path = run.as_run_log()

    # the as-run log names the source of every action
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    sources = [(r["action"]["action"], r.get("source")) for r in records
               if r.get("event") == "operator"]  # fmt: skip
    assert ("next", "api:deck") in sources and ("jump", "api:deck") in sources
    assert sources[-2:] == [("next", "osc"), ("extend", "osc")]
    assert [r.get("source") for r in records if r.get("event") == "message"] == ["api:deck"]
    commands = [(r["command"], r["source"]) for r in records if r.get("event") == "obs_command"]
    assert commands == [("resend", "api:deck"), ("auto", "api:deck")]
    # the headless stream says who steered
    remote = [json.loads(line) for line in out.splitlines() if '"remote_action"' in line]
    assert {r["by"] for r in remote} == {"api:deck", "osc"}
    refused = [json.loads(line) for line in out.splitlines() if '"remote_refused"' in line]
    assert any(r["by"] == "api:deck" and "Start Introduction now?" in r["message"] for r in refused)
    assert any(r["by"] == "osc" and r["action"] == "next" for r in refused)

    # the report names them too
    report = timekeeper("report", str(log_path))
    assert report.returncode == 0, report.stderr
    assert "| By |" in report.stdout
    assert "| next: Q&A with the participants | Panel discussion | osc |" in report.stdout
    assert "jump to Panel discussion | Introduction | api:deck |" in report.stdout
    assert "“Five minutes” (flash) — api:deck" in report.stdout

    # the token is nowhere: not on stdout/stderr, the as-run log or the diagnostics log
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".diagnostics.log") for path in written)
    for path in written:
        assert TOKEN not in path.read_text(errors="replace"), path
    assert TOKEN not in out and TOKEN not in err


def _trust_refused(run: Run) -> None:
    evil = {"Origin": "https://evil.example"}
    for path in ("/api/status", "/api/openapi.json", "/state", "/"):
        assert run.request("GET", path, headers=evil).status == 403, path
    refused = run.act("next", {"confirm": True}, headers=evil)
    assert refused.status == 403
    rebinding = {"Host": f"attacker.example:{run.port}"}
    assert run.request("GET", "/api/status", headers=rebinding).status == 403
    assert run.request("GET", "/state", headers=rebinding).status == 403
    assert run.ws_handshake(evil) == 403
    assert run.ws_handshake({"Host": f"attacker.example:{run.port}"}) == 403
    assert run.ws_handshake({"Origin": f"http://127.0.0.1:{run.port}"}) == 101  # its own page


def test_foreign_origins_and_rebinding_hosts_are_refused_and_bursts_rate_limited(
    tmp_path: Path,
) -> None:
    with running(tmp_path) as run:
        _trust_refused(run)
        assert run.status()["mode"] == "before"  # nothing the refused requests asked happened

        answers = [
            run.act("nothing", client="stuck-key", retry=False, paced=False) for _ in range(40)
        ]
        limited = [a for a in answers if a.status == 429]
        assert answers[0].status == 404 and limited, [a.status for a in answers]
        assert int(limited[0].headers["Retry-After"]) >= 1
        assert "too many requests from stuck-key" in limited[0].body["error"]
        wrong = "y" * 40
        guesses = [
            run.act("next", token=wrong, client="guesser", retry=False, paced=False)
            for _ in range(40)
        ]
        assert {a.status for a in guesses} == {401, 429}  # guessing the token is slowed too
        assert run.act("next", client="deck").status == 428  # another client is not held up

        spec = run.request("GET", "/api/openapi.json", token=None).body
        assert spec["openapi"].startswith("3.")
        assert {f"/api/actions/{n}" for n in ("next", "auto-switch", "message")} <= set(
            spec["paths"]
        )
        run.stop()


def test_control_without_a_token_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    done = timekeeper("run", "programme.yaml", "--dry-run", "--headless", "--control",
                      "--log", str(logs), token=None)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "timekeeper: --control needs a token: export "
        "TIMEKEEPER_CONTROL_TOKEN=$(timekeeper token) and run again"
    ]
    assert list(logs.iterdir()) == []  # refused before anything was written
    short = timekeeper("run", "programme.yaml", "--headless", "--control", token="short")
    assert short.returncode == 2 and "at least 16" in short.stderr
    off = timekeeper("run", "programme.yaml", "--headless", "--control", "--port", "0")
    assert off.returncode == 2 and "leave out --port 0" in off.stderr


def test_token_prints_a_new_random_token_each_time() -> None:
    first, second = timekeeper("token"), timekeeper("token")
    assert first.returncode == 0
    a, b = first.stdout.strip(), second.stdout.strip()
    assert len(a) >= 40 and a != b and a.replace("-", "").replace("_", "").isalnum()
