"""Stateful handlers of the orgs module: one method per message of ``msgs.py``.

Governance (create, propose, vote, execute) decides with the integer rules of ``rules.py``; a passed
proposal's actions run with the org's treasury as their only signer (``Context.run_as``), inside the
execute tx, so they apply all together or not at all. The org-internal messages (members, rules,
budgets, roles) accept only that treasury as sender; ``pay`` also accepts a treasurer, within budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from metrobloc.errors import InvalidInput, MetroblocError
from metrobloc.execution import Context, module_authority
from metrobloc.modules.orgs import errors, rules
from metrobloc.modules.orgs.expected import Assets
from metrobloc.modules.orgs.keeper import Ballot, Budget, Org, OrgsKeeper, Proposal
from metrobloc.modules.orgs.msgs import (
    MAX_MEMBERS,
    Create,
    Execute,
    GrantRole,
    Pay,
    Propose,
    RevokeRole,
    SetBudget,
    SetMember,
    SetVoting,
    Vote,
    Voting,
)
from metrobloc.modules.orgs.rules import Rules, Tally
from metrobloc.modules.orgs.treasury import treasury_address

_INNER = re.compile(r"^msgs\[0\] \([^)]*\): ")
"""The prefix ``run_as`` gives the error of its one message; ``actions[i] (type): `` replaces it."""
TREASURER = "treasurer"
"""The role whose holders pay from the treasury within its budgets (``orgs/pay``)."""
RESERVED_ORGS = {"consortium": module_authority("consortium")}
"""Org ids only a module's own authority may create (the consortium module's org): nobody can squat them."""


def _rules(voting: Voting) -> Rules:
    return Rules(voting.support_bp, voting.quorum_bp, voting.period_ms, voting.exec_delay_ms, voting.early_execution)


class OrgsHandlers:
    """The handlers, over the orgs keeper and the assets keeper."""

    def __init__(self, keeper: OrgsKeeper, assets: Assets) -> None:
        self.keeper, self.assets = keeper, assets

    # -- lookups ------------------------------------------------------------------------------------
    def _org(self, ctx: Context, org_id: str) -> Org:
        org = self.keeper.org(ctx, org_id)
        if org is None:
            raise errors.UNKNOWN_ORG.error(f"no org {org_id}")
        return org

    def _proposal(self, ctx: Context, org_id: str, proposal_id: str) -> Proposal:
        self._org(ctx, org_id)
        proposal = self.keeper.proposal(ctx, org_id, proposal_id)
        if proposal is None:
            raise errors.UNKNOWN_PROPOSAL.error(f"{org_id} has no proposal {proposal_id}")
        return proposal

    def _as_treasury(self, ctx: Context, org_id: str) -> Org:
        """The org, when the sender is its treasury: the message is the action of a passed proposal."""
        org = self._org(ctx, org_id)
        if ctx.sender != org.treasury:
            raise errors.NOT_AUTHORITY.error(f"only {org_id}'s treasury {org.treasury} sends this, by proposal")
        return org

    # -- governance ---------------------------------------------------------------------------------
    def create(self, ctx: Context, msg: Create) -> None:
        if msg.org in RESERVED_ORGS and ctx.sender != RESERVED_ORGS[msg.org]:
            raise errors.RESERVED_ORG.error(f"the org id {msg.org} is reserved for its module")
        if self.keeper.org(ctx, msg.org) is not None:
            raise errors.ORG_EXISTS.error(f"an org {msg.org} exists")
        org = Org(
            org=msg.org,
            charter_digest=msg.charter_digest,
            treasury=treasury_address(msg.org),
            voting=_rules(msg.voting),
            member_count=0,  # put_members counts them
            total_weight=0,
            proposals=0,
            created_by=ctx.sender,
            height=ctx.height,
            time_ms=ctx.block_time_ms,
            tx_hash=ctx.tx_hash,
        )
        org = self.keeper.put_members(ctx, org, {m.address: m.weight for m in msg.members})
        ctx.emit(
            "orgs/create",
            org=msg.org,
            treasury=org.treasury,
            created_by=ctx.sender,
            members=str(org.member_count),
            total_weight=str(org.total_weight),
        )

    def propose(self, ctx: Context, msg: Propose) -> None:
        org = self._org(ctx, msg.org)
        members = self.keeper.members(ctx, msg.org)
        if ctx.sender not in dict(members):
            raise errors.NOT_MEMBER.error(f"{ctx.sender} is not a member of {msg.org}")
        if self.keeper.proposal(ctx, msg.org, msg.proposal) is not None:
            raise errors.PROPOSAL_EXISTS.error(f"{msg.org} has a proposal {msg.proposal}")
        _check_actions(ctx, msg.actions)
        start = ctx.block_time_ms
        proposal = Proposal(
            org=msg.org,
            proposal=msg.proposal,
            seq=org.proposals,
            proposer=ctx.sender,
            summary_digest=msg.summary_digest,
            actions=list(msg.actions),
            rules=org.voting,
            total_weight=org.total_weight,
            snapshot_size=org.member_count,
            tally=Tally(),
            start_ms=start,
            end_ms=start + org.voting.period_ms,
            extended=False,
            status="open",
            height=ctx.height,
            tx_hash=ctx.tx_hash,
        )
        self.keeper.put_proposal(ctx, proposal)
        for address, weight in members:  # the snapshot: who may vote, with the weight of now
            self.keeper.put_ballot(ctx, msg.org, msg.proposal, Ballot(address, weight))
        self.keeper.index_proposal(ctx, msg.org, org.proposals, msg.proposal)
        self.keeper.put_org(ctx, replace(org, proposals=org.proposals + 1))
        ctx.emit("orgs/propose", org=msg.org, proposal=msg.proposal, proposer=ctx.sender, end_ms=str(proposal.end_ms))

    def vote(self, ctx: Context, msg: Vote) -> None:
        p = self._proposal(ctx, msg.org, msg.proposal)
        ballot = self.keeper.ballot(ctx, msg.org, msg.proposal, ctx.sender)
        if ballot is None:
            raise errors.NOT_MEMBER.error(f"{ctx.sender} is not in the snapshot of {msg.org}/{msg.proposal}")
        now = ctx.block_time_ms
        if p.status != "open" or now >= p.end_ms:
            raise errors.VOTING_CLOSED.error(f"voting on {msg.proposal} closed at {p.end_ms} (status {p.status})")
        tally = p.tally.moved(ballot.weight, ballot.option, msg.option)
        extend = rules.extends(p.tally, tally, p.total_weight, p.rules, p.end_ms, p.extended, now)
        end_ms = p.end_ms + rules.quiet_window(p.rules) if extend else p.end_ms
        self.keeper.put_ballot(
            ctx, msg.org, msg.proposal, replace(ballot, option=msg.option, voted_height=ctx.height, voted_ms=now)
        )
        self.keeper.put_proposal(ctx, replace(p, tally=tally, end_ms=end_ms, extended=p.extended or extend))
        ctx.emit(
            "orgs/vote",
            org=msg.org,
            proposal=msg.proposal,
            voter=ctx.sender,
            option=msg.option,
            weight=str(ballot.weight),
        )
        if extend:
            ctx.emit("orgs/extend", org=msg.org, proposal=msg.proposal, end_ms=str(end_ms))

    def execute(self, ctx: Context, msg: Execute) -> None:
        p = self._proposal(ctx, msg.org, msg.proposal)
        if p.status != "open":
            raise errors.CLOSED.error(f"{msg.proposal} was {p.status} at height {p.closed_height}")
        now = ctx.block_time_ms
        decision = rules.outcome(p.tally, p.total_weight, p.rules, p.end_ms, now)
        if decision == "wait":
            raise errors.TOO_EARLY.error(
                f"voting ends at {p.end_ms}; a passed proposal executes from {rules.executable_from(p.end_ms, p.rules)}"
            )
        if decision == "execute":
            _run_actions(ctx, treasury_address(msg.org), p.actions, (msg.org, msg.proposal))
        status = "executed" if decision == "execute" else "rejected"
        closed = replace(p, status=status, closed_height=ctx.height, closed_ms=now, closed_tx=ctx.tx_hash)
        self.keeper.put_proposal(ctx, closed)
        ctx.emit("orgs/execute", org=msg.org, proposal=msg.proposal, status=status, actions=str(len(p.actions)))

    # -- org-internal: the treasury, by proposal ------------------------------------------------------
    def set_member(self, ctx: Context, msg: SetMember) -> None:
        org = self._as_treasury(ctx, msg.org)
        members = dict(self.keeper.members(ctx, msg.org))
        if msg.weight == 0:
            if msg.address not in members:
                raise errors.UNKNOWN_MEMBER.error(f"{msg.address} is not a member of {msg.org}")
            del members[msg.address]
            if not members:
                raise errors.NO_MEMBERS.error(f"removing {msg.address} would leave {msg.org} without members")
            self.keeper.set_roles(ctx, msg.org, msg.address, [])  # a former member holds no role
        else:
            if msg.address not in members and len(members) >= MAX_MEMBERS:
                raise errors.TOO_MANY_MEMBERS.error(f"{msg.org} has {MAX_MEMBERS} members")
            members[msg.address] = msg.weight
        self.keeper.put_members(ctx, org, members)
        ctx.emit("orgs/set_member", org=msg.org, address=msg.address, weight=str(msg.weight))

    def set_voting(self, ctx: Context, msg: SetVoting) -> None:
        org = self._as_treasury(ctx, msg.org)
        voting = _rules(msg.voting)
        self.keeper.put_org(ctx, replace(org, voting=voting))
        ctx.emit(
            "orgs/set_voting",
            org=msg.org,
            support_bp=str(voting.support_bp),
            quorum_bp=str(voting.quorum_bp),
            period_ms=str(voting.period_ms),
            exec_delay_ms=str(voting.exec_delay_ms),
            early_execution=str(voting.early_execution).lower(),
        )

    def set_budget(self, ctx: Context, msg: SetBudget) -> None:
        self._as_treasury(ctx, msg.org)
        old = self.keeper.budget(ctx, msg.org, msg.asset)
        now = ctx.block_time_ms
        if msg.amount == 0:
            if old is None:
                raise errors.NO_BUDGET.error(f"{msg.org} has no budget in {msg.asset}")
            self.keeper.remove_budget(ctx, msg.org, msg.asset)
        else:
            if not self.assets.exists(ctx, msg.asset):
                raise errors.UNKNOWN_ASSET.error(f"no asset {msg.asset}")
            # what was paid in the current period stays paid: a new budget gives no fresh room before it ends
            spent = 0 if old is None else old.spent_in(rules.budget_period(now, old.period_ms))
            period = rules.budget_period(now, msg.period_ms)
            self.keeper.put_budget(
                ctx, msg.org, Budget(msg.asset, msg.amount, msg.period_ms, period, spent, ctx.height)
            )
        ctx.emit("orgs/set_budget", org=msg.org, asset=msg.asset, amount=str(msg.amount), period_ms=str(msg.period_ms))

    def grant_role(self, ctx: Context, msg: GrantRole) -> None:
        self._as_treasury(ctx, msg.org)
        if msg.address not in dict(self.keeper.members(ctx, msg.org)):
            raise errors.UNKNOWN_MEMBER.error(f"{msg.address} is not a member of {msg.org}")
        self.keeper.set_roles(ctx, msg.org, msg.address, [*self.keeper.roles(ctx, msg.org, msg.address), msg.role])
        ctx.emit("orgs/grant_role", org=msg.org, address=msg.address, role=msg.role)

    def revoke_role(self, ctx: Context, msg: RevokeRole) -> None:
        self._as_treasury(ctx, msg.org)
        held = self.keeper.roles(ctx, msg.org, msg.address)
        self.keeper.set_roles(ctx, msg.org, msg.address, [r for r in held if r != msg.role])
        ctx.emit("orgs/revoke_role", org=msg.org, address=msg.address, role=msg.role)

    # -- payments ---------------------------------------------------------------------------------------
    def pay(self, ctx: Context, msg: Pay) -> None:
        org = self._org(ctx, msg.org)
        if ctx.sender != org.treasury:
            self._spend_budget(ctx, msg)
        settled = self.assets.transfer(ctx, msg.asset, org.treasury, msg.to, msg.amount, at_ms=ctx.block_time_ms)
        for loss in settled:  # as the assets module's own transfer reports them: the sink's side of the move
            ctx.emit(
                "assets/settle",
                asset=msg.asset,
                holder=loss.address,
                expired=str(loss.expired),
                demurrage=str(loss.demurrage),
            )
        ctx.emit("orgs/pay", org=msg.org, asset=msg.asset, to=msg.to, amount=str(msg.amount), by=ctx.sender)

    def _spend_budget(self, ctx: Context, msg: Pay) -> None:
        """A treasurer's payment: count it against the asset's budget of the current period."""
        if TREASURER not in self.keeper.roles(ctx, msg.org, ctx.sender):
            raise errors.NOT_TREASURER.error(f"{ctx.sender} does not hold the role {TREASURER} in {msg.org}")
        budget = self.keeper.budget(ctx, msg.org, msg.asset)
        if budget is None:
            raise errors.NO_BUDGET.error(f"{msg.org} has no budget in {msg.asset}: pay by proposal")
        period = rules.budget_period(ctx.block_time_ms, budget.period_ms)
        spent = budget.spent_in(period)
        if spent + msg.amount > budget.amount:
            left = budget.amount - spent
            raise errors.OVER_BUDGET.error(
                f"{left} of {budget.amount} {msg.asset} left this period; pay more by proposal"
            )
        self.keeper.put_budget(ctx, msg.org, replace(budget, period=period, spent=spent + msg.amount))


def _check_actions(ctx: Context, actions: Sequence[dict[str, Any]]) -> None:
    """The actions' own stateless checks, now: a proposal that could never execute is refused with their code."""
    try:
        ctx.check_msgs(actions)
    except InvalidInput as exc:
        raise InvalidInput(exc.message.replace("msgs[", "actions[", 1), exc.code) from exc


def _run_actions(ctx: Context, treasury: str, actions: Sequence[dict[str, Any]], via: tuple[str, str]) -> None:
    """Send every action as the treasury; the first that fails fails the execute tx with its own code.

    ``via`` (org, proposal) tells the actions' handlers which decision they carry out (the consortium
    counts that proposal's yes votes itself)."""
    for i, action in enumerate(actions):
        try:
            ctx.run_as(treasury, [action], via=via)
        except MetroblocError as exc:
            detail = _INNER.sub("", exc.message, count=1)
            raise type(exc)(f"actions[{i}] ({action.get('type')}): {detail}", exc.code) from exc
