"""The benchmark's world, run in a child process after ``flask demo setup`` and ``flask bench
seed``: API tokens for the seeded trainees (bulk), an open exam attempt for each client thread,
the demo instructor teaching the seeded cohort, pending completions for the review queue.
The last SUBMITTERS trainees are kept apart for the submit endpoint (``bench/submit_pool.py``).
Prints what the load generator needs as one line of JSON.

    python bench/world.py THREADS PREFIX SUBMITTERS
"""

from __future__ import annotations

import json
import secrets
import sys

import sqlalchemy as sa

from app import create_app
from app.auth.models import ApiToken, User
from app.auth.services import hash_token
from app.banks.models import Module, Program
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.enrolment.models import Cohort
from app.extensions import db
from app.quiz.services import start_attempt


def tokens(session, users: list[User]) -> list[str]:
    secrets_ = [secrets.token_urlsafe(32) for _ in users]
    rows = [
        {"user_id": u.id, "name": "bench", "token_hash": hash_token(s)}
        for u, s in zip(users, secrets_, strict=True)
    ]
    session.execute(sa.insert(ApiToken), rows)
    return secrets_


def main() -> None:
    threads, prefix, submitters = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    app = create_app()
    with app.app_context():
        session = db.session
        users = session.scalars(
            sa.select(User).where(User.email.like(f"{prefix}-trainee%")).order_by(User.id)
        ).all()
        module = session.scalar(sa.select(Module).where(Module.slug == f"{prefix}-exam"))
        program = session.scalar(sa.select(Program).where(Program.slug == f"{prefix}-program"))
        cohort = session.scalar(sa.select(Cohort).where(Cohort.program_id == program.id))
        instructor = session.scalar(sa.select(User).where(User.email == "instructor@demo.example"))
        cohort.instructors.append(instructor)
        secrets_ = tokens(session, users)
        loop = []
        for user, secret in zip(users[:threads], secrets_, strict=False):
            attempt = start_attempt(session, user, module)
            items = [{"id": i.id, "position": i.position} for i in attempt.items]
            loop.append(
                {"email": user.email, "token": secret, "attempt": attempt.id, "items": items}
            )
        for user in users[threads : threads + 30]:
            if session.scalar(
                sa.select(sa.func.count())
                .where(sa.text("attempts.user_id = :u AND attempts.passed"))
                .select_from(sa.table("attempts")),
                {"u": user.id},
            ):
                certificates.record_completion(session, user, program)
        certificate = session.scalar(sa.select(Certificate).order_by(Certificate.issued_at))
        session.commit()
        pairs = [{"email": u.email, "token": s} for u, s in zip(users, secrets_, strict=True)]
        spike = pairs[threads : len(pairs) - submitters]
        print(
            json.dumps(
                {
                    "module": module.slug,
                    "loop": loop,
                    "spike": spike,
                    "submitters": pairs[len(pairs) - submitters :],
                    "certificate": {"id": str(certificate.id), "code": certificate.code},
                }
            )
        )


if __name__ == "__main__":
    main()
