"""``flask lti platforms add|list`` and ``flask lti keys rotate|show``."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app.enrolment.models import Cohort
from app.errors import DomainError
from app.extensions import db
from app.lti import keys, roster, scores
from app.lti.models import LtiContext, LtiPlatform, LtiScorePost
from app.lti.services import PlatformFields, register_platform

lti_cli = AppGroup("lti", help="LTI 1.3: platforms and the tool's keys.")
platforms_cli = AppGroup("platforms", help="Registered platforms.")
keys_cli = AppGroup("keys", help="The tool's signing keys (published at /lti/jwks.json).")
lti_cli.add_command(platforms_cli)
lti_cli.add_command(keys_cli)


@platforms_cli.command("add")
@click.option("--name", required=True)
@click.option("--issuer", required=True, help="The platform's issuer (iss), an https URL.")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--deployment", "deployments", multiple=True, required=True)
@click.option("--keyset-url", required=True, help="The platform's public keyset URL.")
@click.option("--auth-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--token-url", required=True, help="The platform's OAuth2 token URL.")
@click.option("--frame-ancestor", "ancestors", multiple=True, help="Default: the issuer.")
def add(**options: object) -> None:
    """Register a platform (audited, as the system)."""
    fields = PlatformFields(
        name=str(options["name"]),
        issuer=str(options["issuer"]),
        client_id=str(options["client_id"]),
        keyset_url=str(options["keyset_url"]),
        auth_login_url=str(options["auth_url"]),
        auth_token_url=str(options["token_url"]),
        deployment_ids=list(options["deployments"]),  # type: ignore[call-overload]
        frame_ancestors=list(options["ancestors"]),  # type: ignore[call-overload]
    )
    try:
        platform = register_platform(db.session, None, fields)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Registered platform {platform.id}: {platform.issuer} ({platform.client_id})")


@platforms_cli.command("list")
def list_platforms() -> None:
    for p in db.session.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.id)):
        click.echo(f"{p.id}\t{p.name}\t{p.issuer}\t{p.client_id}\t{','.join(p.deployment_ids)}")


@keys_cli.command("rotate")
def rotate() -> None:
    """Retire the signing key and make a new one; the old one stays published 7 days."""
    key = keys.rotate(db.session, None)
    db.session.commit()
    click.echo(f"New signing key {key.kid}.")


@keys_cli.command("show")
def show() -> None:
    """Print the published keyset (what /lti/jwks.json serves)."""
    keyset = keys.published(db.session)
    db.session.commit()
    click.echo(json.dumps(keyset, indent=2))


scores_cli = AppGroup("scores", help="Scores posted to the platforms' line items (AGS).")
lti_cli.add_command(scores_cli)


@scores_cli.command("send")
def send_scores() -> None:
    """Post every due score (new ones and retries whose backoff has passed); for cron."""
    sent, failed = scores.send_due(db.session)
    click.echo(f"Sent {sent}, failed {failed}.")


@scores_cli.command("list")
@click.option("--failed", "only_failed", is_flag=True, help="Only those given up on.")
def list_scores(only_failed: bool) -> None:
    query = sa.select(LtiScorePost).order_by(LtiScorePost.id)
    if only_failed:
        query = query.where(LtiScorePost.status == "failed")
    for p in db.session.scalars(query):
        click.echo(
            f"{p.id}\t{p.status}\tattempt {p.attempt_id}\ttries {p.attempts}\t{p.last_error}"
        )


@scores_cli.command("resend")
@click.argument("post_id", type=int)
def resend_score(post_id: int) -> None:
    """Put a failed score post back in line and post it now (audited)."""
    try:
        post = scores.resend(db.session, None, post_id)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if post is None:
        raise click.ClickException(f"No score post {post_id}.")
    db.session.commit()
    sent, failed = scores.send_due(db.session, [post_id])
    click.echo(f"Sent {sent}, failed {failed}.")


@lti_cli.command("roster-pull")
@click.option("--context", "context_row", type=int, required=True, help="lti_contexts id.")
@click.option("--cohort", "cohort_id", type=int, required=True, help="The cohort's id.")
def roster_pull(context_row: int, cohort_id: int) -> None:
    """Enrol the course's active learners (NRPS) in the cohort (audited, as the system)."""
    context = db.session.get(LtiContext, context_row)
    cohort = db.session.get(Cohort, cohort_id)
    if context is None or cohort is None:
        raise click.ClickException("No such course context or cohort.")
    try:
        result = roster.pull_roster(db.session, None, context, cohort)
    except DomainError as exc:
        db.session.rollback()
        detail = getattr(exc, "detail", "")
        raise click.ClickException(f"{exc} ({detail})" if detail else str(exc)) from None
    db.session.commit()
    click.echo(f"Enrolled {len(result.added)} learner(s) in {cohort.name}.")
    click.echo(f"Already there: {len(result.already)}.")
    for name, why in result.skipped:
        click.echo(f"Skipped {name}: {why}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(lti_cli)
