"""Time js/verify/ballots.js in Chromium: verify and encrypt a ballot in the browser.

    PYTHONPATH=src:. python bench/bench_ballots_js.py [--ballots 50]

One question of 5 options with up to 3 chosen (as bench_ballots.py) and a budget question of 4
options with weights (bits = 10, docs/spec/ballots.md §5). ``--ballots`` ballots are made in Python
for distinct voters, then checked in headless Chromium with ``checkBallot`` (the election page's
"ballot proofs" step); ``encryptBallot`` is timed for 10 ballots. Medians per ballot, in ms.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from playwright.sync_api import sync_playwright
from tests.portal.conftest import CHROMIUM, CHROMIUM_ARGS, STATIC_ROOT, StaticServer

from metrobloc.crypto import PrivateKey
from metrobloc.crypto.elgamal import Polynomial, ballot_context, commit, encrypt_ballot, joint_public_key
from metrobloc.modules.ballots import group

SHAPES: dict[str, dict[str, Any]] = {
    "5 options, up to 3": {"options": 5, "min_selections": 0, "max_selections": 3, "weights": None},
    "budget, 4 options": {
        "options": 4,
        "min_selections": 1,
        "max_selections": 4,
        "weights": [300, 250, 400, 100],
        "weight_min": 200,
        "weight_max": 800,
    },
}
SELECTION = {"5 options, up to 3": [1, 0, 1, 0, 1], "budget, 4 options": [1, 0, 0, 1]}
TIME_CHECK = """async (m, [ballots, key, shapes, chainId]) => {
  const times = [];
  for (const [voter, ballot] of ballots) {
    const t = performance.now();
    m.checkBallot(ballot, key, shapes, m.ballotContext(chainId, 'bench', voter));
    times.push(performance.now() - t);
  }
  return times; }"""
TIME_ENCRYPT = """async (m, [key, shapes, sel, chainId]) => {
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    m.encryptBallot(key, shapes, [sel], chainId, 'bench', 'voter');
    times.push(performance.now() - t);
  }
  return times; }"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=50)
    args = parser.parse_args()
    key = joint_public_key([commit(Polynomial.random(2), b"bench") for _ in range(3)])
    server = StaticServer(STATIC_ROOT).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(server.url + "/harness.html")
            url = f"{server.url}/static/js/verify/ballots.js"
            for name, shape in SHAPES.items():
                q = group.question({"weight_min": None, "weight_max": None, **shape})
                voters = [PrivateKey(i.to_bytes(32, "big")).address for i in range(1, args.ballots + 1)]
                ballots = [
                    [v, encrypt_ballot(key, [q], [SELECTION[name]], ballot_context("bench", "bench", v)).to_json()]
                    for v in voters
                ]
                call = f"async (arg) => {{ const m = await import({url!r}); return await ({{}})(m, arg); }}"
                checks = page.evaluate(call.replace("{}", TIME_CHECK, 1), [ballots, key.to_b64(), [shape], "bench"])
                encrypts = page.evaluate(
                    call.replace("{}", TIME_ENCRYPT, 1), [key.to_b64(), [shape], SELECTION[name], "bench"]
                )
                print(
                    f"{name}: verify {statistics.median(checks):.1f} ms/ballot ({len(checks)} ballots), "
                    f"encrypt+prove {statistics.median(encrypts):.1f} ms/ballot"
                )
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
