"""The asset page says an asset's policy in words a resident understands, rule by rule, with exact figures."""

from __future__ import annotations

from metrobloc.portal.assets import policy_rules

FUND = "mb1x36slx9at870e9rd53d2405n80s4ff944p6cy5"


def test_every_rule_is_said_once_with_its_figures() -> None:
    policy = {
        "lot_lifetime_ms": 30 * 86_400_000,
        "expiry_granule_ms": 86_400_000,
        "demurrage_bp": 250,
        "demurrage_period_ms": 30 * 86_400_000,
        "merchant_role": "merchant_food",
        "spend_limit": "20000",
        "spend_period_ms": 7 * 86_400_000,
        "redeem_fee_bp": 200,
        "programme": FUND,
        "watchlists": ["sanctions", "fraud"],
        "rewards": [{"action": "timebank/record_service", "amount": "500"}],
    }
    rules = policy_rules(policy, 2, "FOODV")
    assert rules == [
        "Each mint expires 30 days later (rounded up to a whole 1 day); the oldest units are spent first;"
        " expired units go to the sink.",
        "Demurrage: units lose 2.5% of their value every 30 days; the loss goes to the sink.",
        "Spendable only at accounts with the role merchant_food (or back to the issuer).",
        "Each account may send at most 200.00 FOODV every 7 days.",
        f"Holders may redeem it with the issuer for a fee of 2% to the programme account {FUND}.",
        "Refused to and from accounts on the watch-lists: sanctions, fraud.",
        "Rewards 5.00 FOODV once per timebank/record_service (to whoever performed it).",
    ]


def test_an_empty_policy_has_no_rule_and_odd_durations_stay_exact() -> None:
    assert policy_rules({}, 0, "X") == []
    [rule] = policy_rules({"demurrage_bp": 1, "demurrage_period_ms": 3_600_001}, 0, "X")
    assert rule == "Demurrage: units lose 0.01% of their value every 3600001 ms; the loss goes to the sink."
    [rule] = policy_rules({"expires_at_ms": 1_800_000_000_000, "merchant_allowlist": True}, 0, "X")[:1]
    assert rule == "Every unit expires by 2027-01-15 08:00:00 UTC at the latest."
