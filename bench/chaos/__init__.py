"""The fault-injection harness behind bench/bench_chaos.py (issue 20, item 4).

programme.py writes a seeded conference programme; stack.py runs the real parts
(headless OBS, mosquitto, `timekeeper run --headless` as a room, a speaker
follower); observers.py records what OBS and the follower really did; faults.py
injects the faults; judge.py compares a faulted run with the unfaulted reference
(pure: records in, verdicts out); harness.py runs the lot and prints the figures.
"""
