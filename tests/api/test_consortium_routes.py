"""The node's consortium routes (design §2.6) on a single-organization dev chain: the set in force,
the changes, the keys at a height and the bundles' ``consortium`` member alone."""

from __future__ import annotations

import httpx
from tests.conftest import NodeProcess

from metrobloc.ledger import Genesis, Header, verify_set_changes


def test_the_consortium_routes_describe_the_genesis_set(shared_node: NodeProcess) -> None:
    genesis = Genesis.load(shared_node.genesis_path().read_bytes())
    [org] = genesis.organizations
    with shared_node.client() as client:
        client.submit(client.build_tx([shared_node.admin()], [{"type": "consortium/init"}]), wait=True)
    with httpx.Client(base_url=shared_node.url, timeout=30) as http:
        tip = http.get("/v1/status").json()["height"]
        now = http.get("/v1/consortium").json()
        assert now["count"] == 0 and now["quorum"] == 1 and now["since"] == 1 and now["height"] >= tip + 1
        assert [(m["org"], m["name"]) for m in now["members"]] == [("org1", org.name)]
        assert http.get("/v1/consortium/keys", params={"height": 1}).json()["members"] == now["members"]
        assert http.get("/v1/consortium/keys", params={"height": 2**40}).json()["error"]["code"] == "blocks.not_found"
        assert http.get("/v1/consortium/keys", params={"height": 0}).status_code == 400
        assert http.get("/v1/consortium/changes").json() == {"changes": [], "count": 0}
        section = http.get("/v1/consortium/proof").json()
        assert section["changes"] == [] and section["count"]["value"] is None
        header = Header.from_json(section["count"]["header"])
        assert verify_set_changes(section, genesis, header).count == 0
        assert http.get("/v1/status").json()["consortium"]["attesting"] is True
