"""Stateful handlers of the budgeting module: one method per message of ``msgs.py``.

Money moves only here and only through the assets keeper: the treasury funds the escrow when the
authority creates a process; finalize returns what the winners do not need; an attested milestone pays
its implementer; a cancelled project's remainder and an override's difference go back to the treasury.
So at every height: what escrow holds + payouts + refunds = the budget (the process's ``funded``).
"""

from __future__ import annotations

from dataclasses import replace

from metrobloc.execution import Context
from metrobloc.modules.budgeting import errors, rules
from metrobloc.modules.budgeting.escrow import escrow_address
from metrobloc.modules.budgeting.expected import Assets, Ballots, Identity, Orgs
from metrobloc.modules.budgeting.keeper import BudgetingKeeper, BudgetState, MilestoneState, Process, Project
from metrobloc.modules.budgeting.msgs import (
    MAX_PROJECTS,
    Assign,
    Attest,
    Cancel,
    Create,
    Finalize,
    Override,
    Report,
    Review,
    Submit,
    Vote,
)
from metrobloc.modules.budgeting.rules import VotingRule

REVIEWABLE = ("submitted", "accepted", "rejected")
CANDIDATES = ("accepted", "selected", "not_selected")
"""Statuses of a project that passed review (finalize turns accepted into selected or not_selected)."""


class BudgetingHandlers:
    """The handlers, over the budgeting keeper and the assets, identity, orgs (and ballots) keepers."""

    def __init__(
        self, keeper: BudgetingKeeper, assets: Assets, identity: Identity, orgs: Orgs, ballots: Ballots | None
    ) -> None:
        self.keeper, self.assets, self.identity, self.orgs, self.ballots = keeper, assets, identity, orgs, ballots

    # -- lookups ------------------------------------------------------------------------------------
    def _process(self, ctx: Context, process: str) -> Process:
        found = self.keeper.process(ctx, process)
        if found is None:
            raise errors.UNKNOWN_PROCESS.error(f"no process {process}")
        return found

    def _budget(self, p: Process, budget: str) -> BudgetState:
        found = p.find(budget)
        if found is None:
            raise errors.UNKNOWN_BUDGET.error(f"{p.process} has no budget {budget}")
        return found

    def _project(self, ctx: Context, p: Process, project: str) -> Project:
        found = self.keeper.project(ctx, p.process, project)
        if found is None:
            raise errors.UNKNOWN_PROJECT.error(f"{p.process} has no project {project}")
        return found

    def _phase(self, ctx: Context, p: Process, *allowed: str) -> None:
        phase = p.phase(ctx.block_time_ms)
        if phase not in allowed:
            raise errors.WRONG_PHASE.error(f"{p.process} is in its {phase} phase; this needs {' or '.join(allowed)}")

    def _authority(self, ctx: Context, p: Process) -> None:
        if ctx.sender != p.treasury:
            raise errors.NOT_AUTHORITY.error(f"only {p.org}'s treasury {p.treasury} sends this, by proposal")

    def _resident(self, ctx: Context, p: Process, b: BudgetState) -> None:
        credential_type = b.credential_type or p.credential_type
        if not self.identity.holds(ctx, ctx.sender, credential_type, p.issuers, ctx.block_time_ms):
            raise errors.NOT_RESIDENT.error(f"{ctx.sender} is not enrolled for {credential_type} now")

    def _delivering(self, ctx: Context, p: Process, project: str) -> Project:
        """A winning project in delivery (not cancelled)."""
        found = self._project(ctx, p, project)
        if found.status == "cancelled":
            raise errors.CANCELLED.error(f"{project} was cancelled")
        if found.status != "selected":
            raise errors.NOT_SELECTED.error(f"{project} is {found.status}, not a winner")
        return found

    def _move(self, ctx: Context, p: Process, sender: str, to: str, amount: int) -> None:
        if amount > 0:
            self.assets.transfer(ctx, p.asset, sender, to, amount, at_ms=ctx.block_time_ms)

    # -- the process --------------------------------------------------------------------------------
    def create(self, ctx: Context, msg: Create) -> None:
        if self.keeper.process(ctx, msg.process) is not None:
            raise errors.PROCESS_EXISTS.error(f"a process {msg.process} exists")
        if self.orgs.org(ctx, msg.org) is None:
            raise errors.UNKNOWN_ORG.error(f"no org {msg.org}")
        treasury = self.orgs.treasury(msg.org)
        if ctx.sender != treasury:
            raise errors.NOT_AUTHORITY.error(f"only {msg.org}'s treasury {treasury} opens its processes, by proposal")
        if not self.assets.exists(ctx, msg.asset):
            raise errors.UNKNOWN_ASSET.error(f"no asset {msg.asset}")
        if self.ballots is None and any(b.mode == "secret" for b in msg.budgets):
            raise errors.NO_BALLOTS.error("a secret budget needs the ballots module")
        budgets = [
            BudgetState(
                b.budget,
                b.amount,
                VotingRule(b.rule.kind, b.rule.min_bp, b.rule.min, b.rule.max),
                b.mode,
                b.election,
                b.credential_type,
            )
            for b in msg.budgets
        ]
        total = sum(b.amount for b in budgets)
        p = Process(
            process=msg.process,
            org=msg.org,
            treasury=treasury,
            escrow=escrow_address(msg.process),
            asset=msg.asset,
            description_digest=msg.description_digest,
            phases={
                "submit_from_ms": msg.phases.submit_from_ms,
                "review_from_ms": msg.phases.review_from_ms,
                "vote_from_ms": msg.phases.vote_from_ms,
                "vote_until_ms": msg.phases.vote_until_ms,
            },
            credential_type=msg.census.credential_type,
            issuers=list(msg.census.issuers),
            inspectors=list(msg.inspection.inspectors),
            threshold=msg.inspection.threshold,
            budgets=budgets,
            funded=total,
            height=ctx.height,
            time_ms=ctx.block_time_ms,
        )
        self._move(ctx, p, treasury, p.escrow, total)
        self.keeper.put_process(ctx, p)
        ctx.emit(
            "budgeting/create",
            process=msg.process,
            org=msg.org,
            escrow=p.escrow,
            asset=msg.asset,
            total=str(total),
            budgets=",".join(b.budget for b in budgets),
        )

    # -- projects -----------------------------------------------------------------------------------
    def submit(self, ctx: Context, msg: Submit) -> None:
        p = self._process(ctx, msg.process)
        self._phase(ctx, p, "submission")
        b = self._budget(p, msg.budget)
        self._resident(ctx, p, b)
        if self.keeper.project(ctx, msg.process, msg.project) is not None:
            raise errors.PROJECT_EXISTS.error(f"{msg.process} has a project {msg.project}")
        if len(b.projects) >= MAX_PROJECTS:
            raise errors.TOO_MANY_PROJECTS.error(f"budget {b.budget} has {MAX_PROJECTS} projects")
        cost = sum(m.amount for m in msg.milestones)
        if cost > b.amount:
            raise errors.OVER_BUDGET.error(f"{msg.project} costs {cost}; budget {b.budget} is {b.amount}")
        project = Project(
            process=msg.process,
            project=msg.project,
            budget=msg.budget,
            proposer=ctx.sender,
            summary_digest=msg.summary_digest,
            cost=cost,
            milestones=[MilestoneState(m.amount, m.deliverable_digest) for m in msg.milestones],
            status="submitted",
            height=ctx.height,
            time_ms=ctx.block_time_ms,
        )
        self.keeper.put_project(ctx, project)
        self.keeper.put_process(ctx, p.with_budget(replace(b, projects=[*b.projects, msg.project])))
        ctx.emit(
            "budgeting/submit",
            process=msg.process,
            budget=msg.budget,
            project=msg.project,
            proposer=ctx.sender,
            cost=str(cost),
        )

    def review(self, ctx: Context, msg: Review) -> None:
        p = self._process(ctx, msg.process)
        self._phase(ctx, p, "submission", "review")
        project = self._project(ctx, p, msg.project)
        if ctx.sender not in dict(self.orgs.members(ctx, p.org)):
            raise errors.NOT_REVIEWER.error(f"{ctx.sender} is not a member of {p.org}")
        assert project.status in REVIEWABLE, project.status
        review = {"by": ctx.sender, "decision": msg.decision, "reason_digest": msg.reason_digest, "height": ctx.height}
        status = "accepted" if msg.decision == "accept" else "rejected"
        self.keeper.put_project(ctx, replace(project, status=status, review=review))
        ctx.emit(
            "budgeting/review",
            process=msg.process,
            project=msg.project,
            decision=msg.decision,
            reviewer=ctx.sender,
            reason_digest=msg.reason_digest,
        )

    # -- voting and results -------------------------------------------------------------------------
    def vote(self, ctx: Context, msg: Vote) -> None:
        p = self._process(ctx, msg.process)
        self._phase(ctx, p, "voting")
        b = self._budget(p, msg.budget)
        if b.mode == "secret":
            raise errors.SECRET_BUDGET.error(f"budget {b.budget} votes in election {b.election}")
        self._resident(ctx, p, b)
        costs = []
        for project_id in msg.projects:
            project = self.keeper.project(ctx, p.process, project_id)
            if project is None or project.budget != b.budget or project.status != "accepted":
                raise errors.NOT_ACCEPTED.error(f"{project_id} is not an accepted project of budget {b.budget}")
            costs.append(project.cost)
        broken = rules.ballot_error(b.rule, b.amount, costs)
        if broken is not None:
            raise broken.error(f"{broken.doc} (spends {sum(costs)} of {b.amount} on {len(costs)} projects)")
        old = self.keeper.ballot(ctx, p.process, b.budget, ctx.sender)
        for gone in old or []:
            self.keeper.add_count(ctx, p.process, b.budget, gone, -1)
        for chosen in msg.projects:
            self.keeper.add_count(ctx, p.process, b.budget, chosen, 1)
        self.keeper.put_ballot(ctx, p.process, b.budget, ctx.sender, list(msg.projects))
        if old is None:
            self.keeper.put_process(ctx, p.with_budget(replace(b, voters=b.voters + 1)))
        ctx.emit(
            "budgeting/vote",
            process=msg.process,
            budget=msg.budget,
            voter=ctx.sender,
            replaced=str(old is not None).lower(),
        )

    def _counts(self, ctx: Context, p: Process, b: BudgetState) -> dict[str, int]:
        """Votes per project of the budget: the public running counts, or the election's accepted result."""
        if b.mode == "public":
            return {pid: self.keeper.count(ctx, p.process, b.budget, pid) for pid in b.projects}
        assert self.ballots is not None and b.election is not None
        tally = self.ballots.tally(ctx, b.election)
        if tally is None:
            raise errors.NO_RESULT.error(f"election {b.election} has no accepted result yet")
        if len(tally) != 1 or any(option not in b.projects or n < 0 for option, n in tally[0]):
            raise errors.BAD_RESULT.error(f"election {b.election} is not one question over budget {b.budget}")
        return dict(tally[0])

    def finalize(self, ctx: Context, msg: Finalize) -> None:
        p = self._process(ctx, msg.process)
        self._phase(ctx, p, "results", "delivery")
        b = self._budget(p, msg.budget)
        if b.finalized:
            raise errors.FINALIZED.error(f"budget {b.budget} was finalized at height {b.finalized_height}")
        counts = self._counts(ctx, p, b)
        accepted = [pr for pid in b.projects if (pr := self._project(ctx, p, pid)).status == "accepted"]
        winners = rules.select([(pr.project, pr.cost, counts.get(pr.project, 0)) for pr in accepted], b.amount)
        for pr in accepted:
            status = "selected" if pr.project in winners else "not_selected"
            self.keeper.put_project(ctx, replace(pr, status=status, votes=counts.get(pr.project, 0)))
        spent = sum(pr.cost for pr in accepted if pr.project in winners)
        refund = b.amount - spent
        self._move(ctx, p, p.escrow, p.treasury, refund)
        done = replace(b, finalized=True, winners=winners, spent=spent, finalized_height=ctx.height)
        self.keeper.put_process(ctx, replace(p.with_budget(done), refunded=p.refunded + refund))
        turnout = self.ballots.voters(ctx, b.election) if self.ballots is not None and b.election else b.voters
        ctx.emit(
            "budgeting/finalize",
            process=msg.process,
            budget=msg.budget,
            winners=",".join(winners),
            spent=str(spent),
            refunded=str(refund),
            turnout=str(turnout),
        )

    def override(self, ctx: Context, msg: Override) -> None:
        p = self._process(ctx, msg.process)
        self._authority(ctx, p)
        b = self._budget(p, msg.budget)
        if not b.finalized:
            raise errors.NOT_FINALIZED.error(f"budget {b.budget} is not finalized: finalize it first")
        projects = [self._project(ctx, p, pid) for pid in b.projects]
        if any(pr.implementer is not None or pr.paid or pr.status == "cancelled" for pr in projects):
            raise errors.DELIVERY_STARTED.error(f"budget {b.budget} is in delivery: cancel projects instead")
        by_id = {pr.project: pr for pr in projects if pr.status in CANDIDATES}
        if any(w not in by_id for w in msg.winners):
            raise errors.NOT_ACCEPTED.error(f"a winner is not an accepted project of budget {b.budget}")
        spent = sum(by_id[w].cost for w in msg.winners)
        if spent > b.amount:
            raise errors.SPEND_TOO_HIGH.error(f"the winners cost {spent}; budget {b.budget} is {b.amount}")
        if spent > b.spent:
            self._move(ctx, p, p.treasury, p.escrow, spent - b.spent)  # back from the refund finalize made
        else:
            self._move(ctx, p, p.escrow, p.treasury, b.spent - spent)
        for pr in by_id.values():
            self.keeper.put_project(
                ctx, replace(pr, status="selected" if pr.project in msg.winners else "not_selected")
            )
        done = replace(b, winners=list(msg.winners), spent=spent, override_reason=msg.reason_digest)
        self.keeper.put_process(ctx, replace(p.with_budget(done), refunded=p.refunded + b.spent - spent))
        ctx.emit(
            "budgeting/override",
            process=msg.process,
            budget=msg.budget,
            winners=",".join(msg.winners),
            spent=str(spent),
            reason_digest=msg.reason_digest,
        )

    # -- delivery -----------------------------------------------------------------------------------
    def assign(self, ctx: Context, msg: Assign) -> None:
        p = self._process(ctx, msg.process)
        self._authority(ctx, p)
        project = self._delivering(ctx, p, msg.project)
        if msg.implementer in p.inspectors:
            raise errors.CONFLICT_OF_INTEREST.error(f"{msg.implementer} inspects {p.process}")
        self.keeper.put_project(ctx, replace(project, implementer=msg.implementer))
        ctx.emit("budgeting/assign", process=msg.process, project=msg.project, implementer=msg.implementer)

    def _milestone(self, project: Project, index: int) -> MilestoneState:
        if index >= len(project.milestones):
            raise errors.UNKNOWN_MILESTONE.error(f"{project.project} has {len(project.milestones)} milestones")
        m = project.milestones[index]
        if m.paid:
            raise errors.MILESTONE_PAID.error(f"milestone {index} of {project.project} is paid")
        return m

    def report(self, ctx: Context, msg: Report) -> None:
        p = self._process(ctx, msg.process)
        project = self._delivering(ctx, p, msg.project)
        if project.implementer is None:
            raise errors.NO_IMPLEMENTER.error(f"{msg.project} has no implementer yet")
        if ctx.sender != project.implementer:
            raise errors.NOT_IMPLEMENTER.error(f"{project.implementer} implements {msg.project}")
        m = self._milestone(project, msg.milestone)
        attested = m.attested_by if m.evidence_digest == msg.evidence_digest else []  # new evidence: inspect anew
        new = replace(m, percent=msg.percent, evidence_digest=msg.evidence_digest, reports=m.reports + 1)
        self.keeper.put_project(ctx, _with_milestone(project, msg.milestone, replace(new, attested_by=attested)))
        ctx.emit(
            "budgeting/report",
            process=msg.process,
            project=msg.project,
            milestone=str(msg.milestone),
            percent=str(msg.percent),
            evidence_digest=msg.evidence_digest,
        )

    def attest(self, ctx: Context, msg: Attest) -> None:
        p = self._process(ctx, msg.process)
        if ctx.sender not in p.inspectors:
            raise errors.NOT_INSPECTOR.error(f"{ctx.sender} is not an inspector of {p.process}")
        project = self._delivering(ctx, p, msg.project)
        m = self._milestone(project, msg.milestone)
        if m.percent != 100:
            raise errors.NOT_COMPLETE.error(f"milestone {msg.milestone} is reported {m.percent}% complete")
        if msg.evidence_digest != m.evidence_digest:
            raise errors.STALE_EVIDENCE.error(
                f"the latest evidence of milestone {msg.milestone} is {m.evidence_digest}"
            )
        if ctx.sender in m.attested_by:
            raise errors.ALREADY_ATTESTED.error(f"{ctx.sender} attested this evidence already")
        m = replace(m, attested_by=[*m.attested_by, ctx.sender])
        released = len(m.attested_by) >= p.threshold
        if released:
            assert project.implementer is not None  # a report, so an implementer, came before
            self._move(ctx, p, p.escrow, project.implementer, m.amount)
            m = replace(m, paid=True, paid_height=ctx.height)
            project = replace(project, paid=project.paid + m.amount)
            self.keeper.put_process(ctx, replace(p, paid=p.paid + m.amount))
        self.keeper.put_project(ctx, _with_milestone(project, msg.milestone, m))
        ctx.emit(
            "budgeting/attest",
            process=msg.process,
            project=msg.project,
            milestone=str(msg.milestone),
            inspector=ctx.sender,
            attestations=str(len(m.attested_by)),
            threshold=str(p.threshold),
        )
        if released:
            ctx.emit(
                "budgeting/release",
                process=msg.process,
                project=msg.project,
                milestone=str(msg.milestone),
                to=str(project.implementer),
                amount=str(m.amount),
            )

    def cancel(self, ctx: Context, msg: Cancel) -> None:
        p = self._process(ctx, msg.process)
        self._authority(ctx, p)
        project = self._delivering(ctx, p, msg.project)
        refund = project.cost - project.paid
        self._move(ctx, p, p.escrow, p.treasury, refund)
        cancelled = replace(project, status="cancelled", refunded=refund, cancel_reason=msg.reason_digest)
        self.keeper.put_project(ctx, cancelled)
        self.keeper.put_process(ctx, replace(p, refunded=p.refunded + refund))
        ctx.emit(
            "budgeting/cancel",
            process=msg.process,
            project=msg.project,
            refunded=str(refund),
            reason_digest=msg.reason_digest,
        )


def _with_milestone(project: Project, index: int, milestone: MilestoneState) -> Project:
    return replace(project, milestones=[milestone if i == index else m for i, m in enumerate(project.milestones)])
