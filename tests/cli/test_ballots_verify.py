"""``metrobloc ballots verify`` on a real node's election (tests/portal/ballots_chain.py): every step passes
and the counts are the plaintext tally; an unknown election is an error; an untrusted genesis fails."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.portal.ballots_chain import ELECTION, BallotsChain, ballots_chain_fixture  # noqa: F401 - the fixture

from metrobloc.cli.main import cli


def test_verify_rechecks_every_step_from_the_chain(ballots_chain: BallotsChain) -> None:
    c = ballots_chain
    result = CliRunner().invoke(
        cli, ["ballots", "verify", ELECTION, "--node", c.node.url, "--genesis", str(c.node.genesis_path())]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    steps = [line.split(":")[0] for line in lines[:-1]]
    assert steps == [
        "ok   receipts",
        "ok   key generation",
        "ok   ballot proofs",
        "ok   total",
        "ok   decryption shares",
        "ok   counts",
    ]
    assert "9 casts proven in attested blocks" in lines[0]
    assert str([c.expected_counts]) in lines[5]
    assert lines[-1] == f"valid: {ELECTION} (decided, 9 voters)"


def test_verify_fails_for_another_chains_genesis(ballots_chain: BallotsChain, tmp_path: Path) -> None:
    genesis = json.loads(ballots_chain.node.genesis_path().read_text())
    genesis["organizations"][0]["node_key"] = "A" * 42 + "A"  # a node key the chain never had
    other = tmp_path / "genesis.json"
    other.write_text(json.dumps(genesis))
    result = CliRunner().invoke(
        cli, ["ballots", "verify", ELECTION, "--node", ballots_chain.node.url, "--genesis", str(other)]
    )
    assert result.exit_code == 1
    assert "FAIL receipts" in result.output


def test_verify_an_unknown_election_is_an_error(ballots_chain: BallotsChain) -> None:
    result = CliRunner().invoke(cli, ["ballots", "verify", "no-such-election", "--node", ballots_chain.node.url])
    assert result.exit_code == 1
    assert "ballots.unknown_election" in result.output
