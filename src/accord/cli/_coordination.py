"""`accord coordination|manoeuvre|compliance|dispute|notifications ...` over coordination_ops.

Steps a party takes name the party with `--as HANDLE` (the operator's tool acts for its
partner, as an operator of it); `--at` dates a step (ISO 8601 with a zone, default now).
Every command with `--as` asks the authorisation point whether that partner may take the
step or see the plan (`accord.access.authorize_cases`, `authorize_plans`,
`authorize_disputes`), as the API does; nothing is decided here. The commands without
`--as` (`coordination list|show`, `dispute show`, `compliance report`) are the
deployment's own views over its store, for whoever runs the CLI on the server.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.table import Table
from sqlalchemy.orm import Session

from accord.access import (
    PartnerSignature,
    Principal,
    authorize_cases,
    authorize_disputes,
    authorize_plans,
    principal_for_partner,
)
from accord.agreements import AccessAction, PrincipalRole
from accord.audit import AuditAction, SubmissionSignatureError, decode_submission_signature
from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.cli._plan_views import ShownPlan, plan_table, print_plan
from accord.coordination import CoordinationError, DisputeGrounds, Manoeuvre
from accord.coordination_ops import (
    PlanError,
    UnknownCaseError,
    UnknownDisputeError,
    accept_case,
    advance_all,
    commit_plan,
    counter_propose_case,
    decide_dispute,
    get_case,
    get_dispute,
    hand_over_case,
    list_cases,
    list_disputes,
    open_dispute_record,
    plan_manoeuvre,
    post_dispute_message,
    refuse_case,
    run_compliance,
    run_coordination_tick,
    send_pending,
    share_plan,
    signed_decision,
)
from accord.startup import open_store
from accord.store import (
    ManoeuvrePlanKind,
    ManoeuvrePlanRow,
    PartnerRepository,
    PlanCatalogEntryRow,
    UnknownPartnerError,
    transaction,
)

coordination_app = typer.Typer(
    help="Coordination cases: who manoeuvres (docs/coordination.md).", no_args_is_help=True
)
app.add_typer(coordination_app, name="coordination")
manoeuvre_app = typer.Typer(
    help="Manoeuvre plans screened before commitment.", no_args_is_help=True
)
app.add_typer(manoeuvre_app, name="manoeuvre")
compliance_app = typer.Typer(help="Compliance with reciprocal commitments.", no_args_is_help=True)
app.add_typer(compliance_app, name="compliance")
dispute_app = typer.Typer(help="Disputes under agreements' dispute clauses.", no_args_is_help=True)
app.add_typer(dispute_app, name="dispute")
notifications_app = typer.Typer(help="Queued notifications (e-mail).", no_args_is_help=True)
app.add_typer(notifications_app, name="notifications")

_AS = typer.Option(..., "--as", help="Handle of the partner taking the step.")
_AT = typer.Option(None, "--at", help="When (ISO 8601 with a zone); default now.")
_SIGNATURE = typer.Option(
    None,
    "--signature",
    exists=True,
    dir_okay=False,
    readable=True,
    help="The partner's Ed25519 signature of the decision's submission statement (raw 64 "
    "bytes or base64; docs/audit.md).",
)
_KEY_ID = typer.Option(
    None, "--key-id", help="SHA-256 hex of the registered public key that signed (optional)."
)


def _signed(
    session: Session,
    party: str,
    subject: tuple[str, str],
    decision: str,
    fields: dict[str, object],
    signature: tuple[Path | None, str | None],
) -> AbstractContextManager[None]:
    """The decision's optional signature, checked before the step and kept in its entry.

    The decision is what the API's body would carry (`fields`), with the subject id and the
    decision's name, as docs/audit.md defines it for each command.
    """
    path, key_id = signature
    signed = None
    if path is not None:
        raw = decode_submission_signature(path.read_bytes(), where=f"--signature {path}")
        signed = PartnerSignature(raw, key_id)
    elif key_id is not None:
        raise _fail("--key-id names the key of a signature; give --signature FILE too")
    action = (
        AuditAction.COORDINATION_STEP_RECORDED
        if subject[0] == "case_id"
        else AuditAction.DISPUTE_STEP_RECORDED
    )
    return signed_decision(
        session,
        by=party,
        action=action,
        decision={**fields, subject[0]: subject[1], "decision": decision},
        signature=signed,
        what=f"{subject[0].removesuffix('_id')} {subject[1]} {decision}",
    )


def _fail(message: str) -> typer.Exit:
    stderr_console().print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code=1)


def _when(text: str | None, option: str = "--at") -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not ISO 8601", param_hint=option) from exc
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{text!r} has no time zone; add Z or +00:00", param_hint=option)
    return moment.astimezone(UTC)


_ERRORS = (
    SubmissionSignatureError,
    CoordinationError,
    UnknownCaseError,
    UnknownDisputeError,
    PlanError,
    UnknownPartnerError,
)


@coordination_app.command("list")
def list_command(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Only cases not yet final."),
) -> None:
    """List coordination cases, soonest TCA first."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        cases = list_cases(session, open_only=open_only)
    table = Table("case", "state", "TCA", "parties", "acting", "rule", "next deadline")
    for case in cases:
        current = case.proposal
        table.add_row(
            case.id,
            case.state.value,
            case.trigger.tca.isoformat(),
            ", ".join(case.parties),
            ", ".join(current.acting_operators) if current else "",
            (current.rule_id or current.kind.value) if current else "",
            case.next_deadline.isoformat() if case.next_deadline else "",
        )
    stdout_console().print(table)


@coordination_app.command("show")
def show_command(ctx: typer.Context, case_id: str = typer.Argument(..., help="Case id.")) -> None:
    """Show a case: encounter, proposals with reasons and deadlines, state."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            case = get_case(session, case_id)
    except UnknownCaseError as exc:
        raise _fail(str(exc)) from None
    from accord.coordination_ops._codec import case_to_json

    stdout_console().print_json(json.dumps(case_to_json(case)))


def _operator(session: Session, handle: str) -> Principal:
    """The CLI acts as an operator of the partner named by --as (the operator's own tool)."""
    partner = PartnerRepository(session).get_by_handle(handle)
    return principal_for_partner(partner, [PrincipalRole.OPERATOR], name=f"cli:{handle}")


def _require_case_step(session: Session, case_id: str, party: str) -> None:
    """Refuse unless the authorisation point lets `party` act on the case (`write`)."""
    case = get_case(session, case_id)
    if not authorize_cases(session, _operator(session, party), [case], AccessAction.WRITE)[0]:
        raise _fail(
            f"{party} may not act on case {case_id}: a partner acts only on the cases it is "
            f"a party of (parties: {', '.join(case.parties)})"
        )


def _require_dispute_step(session: Session, dispute_id: str, party: str) -> None:
    """Refuse unless the authorisation point lets `party` take a step in the dispute."""
    dispute = get_dispute(session, dispute_id)
    if not authorize_disputes(session, _operator(session, party), [dispute], AccessAction.WRITE)[0]:
        raise _fail(
            f"{party} may not take a step in dispute {dispute_id}: its parties and the "
            "mediators of the steps it has reached do"
        )


def _step(
    ctx: typer.Context,
    action: str,
    case_id: str,
    signature: tuple[Path | None, str | None],
    fields: dict[str, object],
    **kwargs: object,
) -> None:
    engine = open_store(settings_of(ctx), seed=False)
    steps = {
        "accept": accept_case,
        "counter": counter_propose_case,
        "hand-over": hand_over_case,
        "refuse": refuse_case,
    }
    try:
        with transaction(engine, write_lock=True) as session:
            _require_case_step(session, case_id, str(kwargs["by"]))
            party = str(kwargs["by"])
            with _signed(session, party, ("case_id", case_id), action, fields, signature):
                case = steps[action](session, case_id, **kwargs)  # type: ignore[operator]
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(f"{case.id}: {case.state.value}", highlight=False)


@coordination_app.command("accept")
def accept_command(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    party: str = _AS,
    at: str | None = _AT,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Accept the current proposal."""
    _step(ctx, "accept", case_id, (signature, key_id), {}, by=party, at=_when(at))


@coordination_app.command("counter")
def counter_command(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    party: str = _AS,
    manoeuvre: Manoeuvre = typer.Option(..., "--manoeuvre", help="Who should manoeuvre."),
    rationale: str = typer.Option(..., "--rationale", help="Why."),
    at: str | None = _AT,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Counter-propose another outcome (deadlines restart)."""
    fields: dict[str, object] = {"manoeuvre": manoeuvre.value, "rationale": rationale}
    _step(
        ctx,
        "counter",
        case_id,
        (signature, key_id),
        fields,
        by=party,
        at=_when(at),
        manoeuvre=manoeuvre,
        rationale=rationale,
    )


@coordination_app.command("hand-over")
def hand_over_command(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    party: str = _AS,
    rationale: str = typer.Option(..., "--rationale", help="Why."),
    at: str | None = _AT,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Hand responsibility to the other party's object."""
    fields: dict[str, object] = {"rationale": rationale}
    signed = (signature, key_id)
    _step(ctx, "hand-over", case_id, signed, fields, by=party, at=_when(at), rationale=rationale)


@coordination_app.command("refuse")
def refuse_command(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    party: str = _AS,
    reason: str = typer.Option(..., "--reason", help="Why the party will not coordinate."),
    at: str | None = _AT,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Refuse to coordinate (grounds for a refused_coordination dispute)."""
    fields: dict[str, object] = {"reason": reason}
    signed = (signature, key_id)
    _step(ctx, "refuse", case_id, signed, fields, by=party, at=_when(at), reason=reason)


@coordination_app.command("run")
def run_command(ctx: typer.Context, at: str | None = _AT) -> None:
    """One scheduler tick: open cases from alerts, apply deadlines, send due e-mail."""
    settings = settings_of(ctx)
    report = run_coordination_tick(open_store(settings, seed=False), settings, now=_when(at))
    advanced = report.advanced
    mail = (
        "e-mail not sent (ACCORD_SMTP_HOST unset)"
        if report.sent.skipped_no_server
        else f"e-mails sent: {report.sent.sent}, failed: {report.sent.failed}"
    )
    stdout_console().print(
        f"cases opened: {len(report.cases_opened)}, cases changed: {len(advanced.cases)}, "
        f"disputes escalated: {len(advanced.disputes)}, disputes opened: "
        f"{len(advanced.disputes_opened)}, {mail}",
        highlight=False,
    )


@coordination_app.command("advance")
def advance_command(ctx: typer.Context, at: str | None = _AT) -> None:
    """Apply passed deadlines and escalations now (or at --at); safe to repeat."""
    engine = open_store(settings_of(ctx), seed=False)
    report = advance_all(engine, _when(at))
    stdout_console().print(
        f"cases changed: {len(report.cases)}, disputes escalated: {len(report.disputes)}, "
        f"disputes opened: {len(report.disputes_opened)}",
        highlight=False,
    )


@manoeuvre_app.command("plan")
def plan_command(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    delta_v: str = typer.Option(
        ..., "--delta-v-rtn-m-s", help="Delta-v R,T,N in m/s (radial, in-track, cross-track)."
    ),
    burn_at: str = typer.Option(..., "--at", help="Burn time (ISO 8601 with a zone)."),
    party: str = _AS,
    kind: ManoeuvrePlanKind = typer.Option(
        ManoeuvrePlanKind.HYPOTHETICAL, "--kind", help="hypothetical, candidate or committed."
    ),
) -> None:
    """Screen a delta-v plan against the whole catalog and show the verdict."""
    try:
        r, t, n = (float(v) for v in delta_v.split(","))
    except ValueError:
        raise typer.BadParameter(
            f"{delta_v!r}: give three numbers R,T,N, e.g. 0,0.5,0", param_hint="--delta-v-rtn-m-s"
        ) from None
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            _require_case_step(session, case_id, party)
            plan_id, screening = plan_manoeuvre(
                session,
                case_id,
                owner=party,
                at=datetime.now(UTC),
                kind=kind,
                burn_at=_when(burn_at),
                delta_v_rtn_m_s=(r, t, n),
            )
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    console = stdout_console()
    console.print(
        f"plan {plan_id}: {screening.verdict} (closest {screening.min_miss_km} km, "
        f"avoided {screening.avoided_miss_km} km)",
        highlight=False,
    )
    table = Table("secondary", "TCA", "miss km", "Pc")
    for c in screening.conjunctions:
        table.add_row(
            str(c["secondary_norad_id"]), c["tca"], f"{c['miss_km']:.3f}", f"{c['pc']:.2e}"
        )
    console.print(table)


@manoeuvre_app.command("share")
def share_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan id (printed by `accord manoeuvre plan`)."),
    party: str = _AS,
    at: str | None = _AT,
) -> None:
    """Share a hypothetical plan with the case's other party (it becomes a candidate)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            share_plan(session, plan_id, principal=_operator(session, party), at=_when(at))
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(f"plan {plan_id}: candidate", highlight=False)


@manoeuvre_app.command("commit")
def commit_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan id (a candidate: share it first)."),
    party: str = _AS,
    at: str | None = _AT,
) -> None:
    """Commit a candidate plan: screened again, then added to the catalog."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            screening, batch_id = commit_plan(
                session, plan_id, principal=_operator(session, party), at=_when(at)
            )
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    catalog = (
        f"catalog batch {batch_id}"
        if batch_id is not None
        else "not added to the catalog: it holds newer data for the object"
    )
    stdout_console().print(
        f"plan {plan_id}: committed (closest {screening.min_miss_km} km, avoided "
        f"{screening.avoided_miss_km} km); {catalog}",
        highlight=False,
    )


def _shown(session: Session, rows: list[ManoeuvrePlanRow], principal: Principal) -> list[ShownPlan]:
    """The rows `principal` may see, as the authorisation point decides for the API's plan
    listing (`authorize_plans`: hypothetical to the owner, candidate to the parties,
    committed also to the owner's grantees), with their cases and catalog entries."""
    pairs = [(row, get_case(session, row.case_id)) for row in rows]
    allowed = authorize_plans(session, principal, pairs)
    return [
        ShownPlan(row, case, session.get(PlanCatalogEntryRow, row.id))
        for (row, case), ok in zip(pairs, allowed, strict=True)
        if ok
    ]


@manoeuvre_app.command("list")
def plan_list_command(
    ctx: typer.Context,
    party: str = typer.Option(..., "--as", help="Handle of the partner whose view to show."),
    case_id: str | None = typer.Option(None, "--case", help="Only this case's plans."),
) -> None:
    """List the plans the partner may see: kind, case, burn, delta-v, verdict, catalog batch."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            query = sa.select(ManoeuvrePlanRow).order_by(ManoeuvrePlanRow.id)
            if case_id is not None:
                query = query.where(ManoeuvrePlanRow.case_id == case_id)
            plans = _shown(session, list(session.scalars(query)), _operator(session, party))
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    console = stdout_console()
    if not plans:
        # The same words whether the case is absent or hidden: existence is not disclosed.
        where = f" of case {case_id}" if case_id else ""
        console.print(
            f"no manoeuvre plan{where} visible to {party}: hypothetical plans are seen by "
            "their owner only, candidates by the case's parties",
            highlight=False,
        )
        return
    console.print(plan_table(plans))


@manoeuvre_app.command("show")
def plan_show_command(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan id (`accord manoeuvre list` shows them)."),
    party: str = typer.Option(..., "--as", help="Handle of the partner whose view to show."),
) -> None:
    """Show one plan: screening before/after against the catalog, fit figures if committed."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            principal = _operator(session, party)
            row = session.get(ManoeuvrePlanRow, plan_id)
            plans = [] if row is None else _shown(session, [row], principal)
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    if not plans:
        raise _fail(
            f"no manoeuvre plan {plan_id} visible to {party}; `accord manoeuvre list --as "
            f"{party}` lists the plans it may see"
        )
    print_plan(stdout_console(), plans[0])


@compliance_app.command("report")
def report_command(
    ctx: typer.Context,
    partner: str | None = typer.Option(None, "--partner", help="Only this partner's reports."),
    at: str | None = _AT,
) -> None:
    """Evaluate every commitment now, store the reports and queue breach notices."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        reports = run_compliance(session, now=_when(at), partner=partner)
    table = Table("partner", "agreement", "verdict", "commitment", "measured", "threshold")
    for report in reports:
        for clause_id, figures in report.figures["commitments"].items():
            table.add_row(
                report.partner,
                report.agreement_id,
                figures["verdict"],
                clause_id,
                str(figures.get("measured", figures.get("reason", ""))),
                str(figures.get("threshold", "")),
            )
    stdout_console().print(table)


@dispute_app.command("open")
def dispute_open_command(
    ctx: typer.Context,
    agreement: str = typer.Argument(..., help="Agreement id."),
    party: str = typer.Option(..., "--as", help="Claimant's handle."),
    respondent: str = typer.Option(..., "--respondent", help="Respondent's handle."),
    grounds: DisputeGrounds = typer.Option(DisputeGrounds.COMPLAINT, "--grounds", help="Why."),
    subject: str = typer.Option(..., "--subject", help="What the dispute is about."),
    reference: str | None = typer.Option(None, "--reference", help="case:<id>, NORAD id..."),
    at: str | None = _AT,
) -> None:
    """Open a dispute under the agreement's dispute clause."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            dispute = open_dispute_record(
                session,
                agreement,
                grounds=grounds,
                claimant=party,
                respondent=respondent,
                subject=subject,
                at=_when(at),
                reference=reference,
            )
    except (*_ERRORS, LookupError) as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(f"{dispute.id}: {dispute.state.value}", highlight=False)


@dispute_app.command("show")
def dispute_show_command(
    ctx: typer.Context,
    dispute_id: str | None = typer.Argument(None, help="Dispute id (omit with --all)."),
    show_all: bool = typer.Option(False, "--all", help="List every dispute."),
) -> None:
    """Show a dispute with its messages and evidence, or list them all."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            if show_all or dispute_id is None:
                disputes = list_disputes(session)
            else:
                disputes = [get_dispute(session, dispute_id)]
    except UnknownDisputeError as exc:
        raise _fail(str(exc)) from None
    console = stdout_console()
    for d in disputes:
        deadline = d.deadline.isoformat() if d.deadline else "-"
        console.print(
            f"{d.id} {d.agreement_id} {d.grounds.value} {d.claimant} v {d.respondent}: "
            f"{d.state.value} (deadline {deadline})",
            highlight=False,
        )
        for m in d.messages:
            console.print(f"  {m.sent_at.isoformat()} {m.author}: {m.text}", highlight=False)
        for e in d.evidence:
            console.print(f"  evidence: audit seq {e.audit_seq}: {e.description}", highlight=False)
        if d.decision is not None:
            console.print(
                f"  decided by {d.decision.decided_by}: {d.decision.outcome} "
                f"({'; '.join(d.decision.reasons)})",
                highlight=False,
            )


@dispute_app.command("message")
def dispute_message_command(
    ctx: typer.Context,
    dispute_id: str = typer.Argument(..., help="Dispute id."),
    party: str = _AS,
    text: str = typer.Option(..., "--text", help="The message."),
    at: str | None = _AT,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Write to the dispute's participants."""
    engine = open_store(settings_of(ctx), seed=False)
    signed = (signature, key_id)
    try:
        with transaction(engine, write_lock=True) as session:
            _require_dispute_step(session, dispute_id, party)
            subject = ("dispute_id", dispute_id)
            with _signed(session, party, subject, "message", {"text": text}, signed):
                post_dispute_message(session, dispute_id, by=party, at=_when(at), text=text)
    except _ERRORS as exc:
        raise _fail(str(exc)) from None


@dispute_app.command("decide")
def dispute_decide_command(
    ctx: typer.Context,
    dispute_id: str = typer.Argument(..., help="Dispute id."),
    party: str = typer.Option(..., "--as", help="Who decides (party, mediator, arbitrator)."),
    outcome: str = typer.Option(..., "--outcome", help="The decision."),
    reasons: list[str] = typer.Option(..., "--reason", help="A reason (repeat)."),
    agreed_by: list[str] = typer.Option([], "--agreed-by", help="A party that agreed (repeat)."),
    at: str | None = _AT,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Record the decision and its reasons."""
    engine = open_store(settings_of(ctx), seed=False)
    # The fields the API body would carry; `agreed_by` only when given, as a client sends it.
    fields: dict[str, object] = {"outcome": outcome, "reasons": list(reasons)}
    if agreed_by:
        fields["agreed_by"] = list(agreed_by)
    try:
        with transaction(engine, write_lock=True) as session:
            _require_dispute_step(session, dispute_id, party)
            subject = ("dispute_id", dispute_id)
            with _signed(session, party, subject, "decision", fields, (signature, key_id)):
                dispute = decide_dispute(
                    session,
                    dispute_id,
                    decided_by=party,
                    at=_when(at),
                    outcome=outcome,
                    reasons=tuple(reasons),
                    agreed_by=frozenset(agreed_by),
                )
    except _ERRORS as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(f"{dispute.id}: {dispute.state.value}", highlight=False)


@notifications_app.command("send")
def send_command(ctx: typer.Context) -> None:
    """E-mail the due notifications through ACCORD_SMTP_HOST (failures are retried later)."""
    settings = settings_of(ctx)
    report = send_pending(open_store(settings, seed=False), settings, now=datetime.now(UTC))
    if report.skipped_no_server:
        raise _fail("ACCORD_SMTP_HOST is not set; notifications stay queued")
    stdout_console().print(f"sent {report.sent}, failed {report.failed}", highlight=False)
