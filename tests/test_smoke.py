"""The node starts, reports status and commits a tx signed by the genesis admin."""

from metrobloc.sdk import assets


def test_admin_creates_an_asset(node):
    with node.client() as c:
        tx = c.build_tx([node.admin()], [assets.create("CITY", "City Coin", 2)])
        result = c.submit(tx, wait=True)
        assert result["receipt"]["status"] == "ok"
        assert c.asset("CITY")["issuer"] == node.admin().address
        assert c.status()["height"] == 1
