"""Benchmark: the pages people use most, over a national-size read model, beside the API routes serving them.

Target: with 20 concurrent signed-in users, each page's p95 is under 300 ms, on SQLite and on PostgreSQL.
Each page is shown beside the API route serving the same data, called with the same accounts' bearer
tokens, so what the page adds over the JSON (session, template, its extra queries) shows:

    your cases    GET /cases: a caseworker's own, first 25     GET /api/cases?caseworker_id=...&limit=25
    case          GET /cases/{id}: row, timeline, state        GET /api/cases/{id}
    agency inbox  GET /inbox: the agency's first 25            GET /api/advice-requests?limit=25
    dashboard     GET /dashboard: 3 grouped counts of the      GET /api/kpis (the same year's measures)
                  steps owed, and the year's measures          and GET /api/overdue (first page)

The case page is measured for generated cases, which Temporal does not hold (the state query a round trip
to the dev server answered "not found", as for a workflow past retention), and for cases created through
the API on the running stack, whose state query the worker answers.

Each backend gets a fresh database (a SQLite file; on PostgreSQL a database of its own, created, then
dropped), migrated and loaded with the synthetic read model (bench/_read_model.py, with reg 6 advice
requests), all in the service's authority by default: the worst case for every list (`--authorities 153`
spreads it as bench/overdue_list.py does). The stack runs as production runs it: the dev server, `ehcp
worker`, and `ehcp api` with `--api-workers` processes (EHCP_API_WORKERS; one a core by default) on
127.0.0.1. The clients, in a process of their own, sign in through POST /sign-in (the CSRF token from its
form), then call on a kept-alive connection each with their cookie or token (bench/_http.py, far cheaper
for the shared cores than httpx); each row is `--requests` measured calls after a warm-up, by `--clients`
users of the role the page is for.

    python bench/pages.py [--plans 640000] [--databases sqlite,postgresql] [--clients 20] [--requests 200]
                          [--api-workers CORES]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from pydantic import SecretStr
from sqlalchemy.engine import make_url

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _read_model as model
from _api_process import answering, api_environment
from _http import KeptConnection, sign_in
from _stack import _connect, _settings, free_port, note, percentile, run_driver, run_main
from overdue_list import Progress

from api.services.clock import today_in_england
from cli.stack import dev_server_command, start_ehcp, start_worker, stop
from core.temporal import register_search_attributes
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import Role
from db.sign_in import hash_password, new_password, set_sign_in
from db.users import create_user, rotate_token

TARGET_MS = 300.0
ALONE = 10  # calls by one user alone, after a first (cold) one, before the concurrent run
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DATABASE = "ehcp_bench_pages"
DRIVER_TIMEOUT = 3 * 3600.0
# A SQLAlchemy URL's parts as psycopg's connect() arguments.
PSYCOPG: dict[str, Any] = {"username": "user", "database": "dbname"}
KPIS = "/api/kpis?received_from={year_ago}&received_to={today}"
# Each row: its name, the role of the users it is for, the page, and the API routes serving its data.
ROWS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("your cases", "caseworker", "/cases", ("/api/cases?caseworker_id={uid}&limit=25",)),
    ("case, read model only", "caseworker", "/cases/{case}", ("/api/cases/{case}",)),
    ("case, live workflow", "caseworker", "/cases/{live}", ("/api/cases/{live}",)),
    ("agency inbox", "agency", "/inbox", ("/api/advice-requests?limit=25",)),
    ("dashboard", "manager", "/dashboard", (KPIS, "/api/overdue")),
)


@contextlib.contextmanager
def fresh_database(backend: str, args: argparse.Namespace, tmp: Path) -> Any:
    """A new, empty database's URL; dropped (PostgreSQL) or removed with `tmp` on leaving."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 'ehcp.db'}"
        return
    if args.database in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"--database {args.database}: the benchmark drops it; name a database of its own")
    server = make_url(args.postgres_url)
    admin = psycopg.connect(
        **server.set(database="postgres").translate_connect_args(**PSYCOPG), autocommit=True
    )
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
        yield server.set(database=args.database).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.close()


def load(backend: str, url: str, args: argparse.Namespace) -> tuple[model.Generator, float]:
    """The national read model of `args.plans` plans with its advice requests, analysed; seconds taken."""
    rng = random.Random(args.seed)
    stamp = model.timestamp(backend)
    staff, codes = model.national_staff(rng, stamp), model.LA_CODES[: args.authorities]  # the service's first
    generator = model.Generator(
        rng, args.plans, today_in_england(), stamp, staff, la_codes=codes, advice_requests=True
    )
    progress = Progress(f"{backend:<10}", args.plans)
    started = time.perf_counter()
    if backend == "sqlite":
        with contextlib.closing(model.sqlite_connect(str(make_url(url).database))) as conn:
            rows = model.load_sqlite(conn, generator, progress.update)
            conn.execute("ANALYZE")
    else:
        with psycopg.connect(**make_url(url).translate_connect_args(**PSYCOPG)) as pg:
            rows = model.load_postgresql(pg, generator, progress.update)
            pg.autocommit = True
            pg.execute("VACUUM (ANALYZE)")
    progress.update(generator.stats.plans, rows, final=True)
    return generator, time.perf_counter() - started


async def accounts(url: str, generator: model.Generator, clients: int) -> dict[str, list[dict[str, str]]]:
    """`clients` accounts of each role with an email address, a password and an API token: generated
    caseworkers (who hold the cases), the manager and more, and users of the agencies most asked."""
    password = new_password()
    password_hash = hash_password(password)  # one argon2 hash for all; each sign-in still checks it
    busiest = [uuid.UUID(agency) for agency, _ in generator.stats.by_agency.most_common(clients)]
    people: list[tuple[Role, str, uuid.UUID | None]] = [
        *(("caseworker", f"caseworker{n}", None) for n in range(clients)),
        ("manager", "manager", None),
        *(("manager", f"bench-manager-{n}", None) for n in range(1, clients)),
        *(("agency", f"bench-agency-{n}", busiest[n % len(busiest)]) for n in range(clients)),
    ]
    found: dict[str, list[dict[str, str]]] = {}
    engine = make_engine(url)
    try:
        async with make_session_factory(engine).begin() as session:
            for role, name, agency in people:
                if name.startswith("bench-"):  # the generated staff has one manager and no agency users
                    await create_user(
                        session=session, username=name, display_name=name, role=role, agency_id=agency
                    )
                user, token = await rotate_token(session=session, username=name)
                email = f"{name}@bench.invalid"
                await set_sign_in(session=session, username=name, email=email)
                user.password_hash = password_hash
                account = {"id": str(user.id), "token": token, "email": email, "password": password}
                found.setdefault(role, []).append(account)
    finally:
        await engine.dispose()
    return found


@contextlib.asynccontextmanager
async def running(url: str, tmp: Path, la_code: str, workers: int) -> AsyncIterator[str]:
    """The service as production runs it, on the database at `url`: the dev server, `ehcp worker` and
    `ehcp api` with `workers` processes, each in its own process group; its base URL. Stopped on leaving."""
    port = free_port()
    settings = _settings(tmp, tmp / "ehcp.db", port).model_copy(
        update={
            "database_url": url,
            "la_code": la_code,
            "session_secret": SecretStr(secrets.token_urlsafe(32)),
        },
    )
    log = tmp / "temporal.log"
    temporal_port = int(settings.temporal_address.rsplit(":", 1)[1])
    command = [*dev_server_command(tmp, port=temporal_port, ui_port=free_port()), "--headless"]
    with log.open("ab") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    children: list[subprocess.Popen[bytes]] = []
    try:
        client = await _connect(settings, server, log)
        await register_search_attributes(client)
        children.append(start_worker(settings, tmp / "worker.log"))
        api_log = tmp / "api.log"
        children.append(start_ehcp("api", api_environment(settings, workers), api_log))
        api_url = f"http://127.0.0.1:{port}"
        await answering(api_url, children[-1], api_log)
        note(f"API on {api_url} ({workers} processes), worker on {settings.task_queue}")
        yield api_url
    finally:
        for child in reversed(children):
            stop(child)
        stop(server)


async def live_cases(api_url: str, token: str, count: int) -> list[str]:
    """`count` cases created through the API (their workflows run on the dev server), once projected."""
    auth = {"Authorization": f"Bearer {token}"}
    child = {"given_name": "Bench", "family_name": "Child", "date_of_birth": "2015-03-01", "year_group": 5}
    body = {"received_on": (today_in_england() - timedelta(days=14)).isoformat(), "child": child}
    made = []
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as http:
        for _ in range(count):
            key = {"Idempotency-Key": str(uuid.uuid4())}
            answer = (await http.post("/api/requests", json=body, headers={**auth, **key})).raise_for_status()
            made.append(answer.json()["case_id"])
        for case_id in made:  # shown once the worker has projected it, and with its workflow's state
            for _ in range(240):
                case = (await http.get(f"/api/cases/{case_id}", headers=auth)).json()
                if case.get("record") and case.get("state"):
                    break
                await asyncio.sleep(0.25)
            else:
                raise RuntimeError(f"case {case_id} never reached the read model")
    return made


async def timed(label: str, total: int, warm: int, users: int, get: Any) -> dict[str, Any]:
    """`total` calls of `get(user, index)` by `users` concurrent loops, one a user: the latencies (ms) after
    the first `warm`, the very first's (cold: caches empty), the answers' statuses and their mean size."""
    indexes = iter(range(total))
    every = [float("nan")] * total
    statuses: Counter[str] = Counter()
    sizes: list[int] = []
    started = drawn = time.perf_counter()

    async def loop(user: int) -> None:
        nonlocal drawn
        for index in indexes:
            began = time.perf_counter()
            try:
                answer = await get(user, index)
                statuses[str(answer.status_code)] += 1
                sizes.append(len(answer.content))
            except (OSError, asyncio.IncompleteReadError) as error:
                statuses[type(error).__name__] += 1
            every[index] = (time.perf_counter() - began) * 1000
            done, now = sum(statuses.values()), time.perf_counter()
            if now - drawn > 0.5 or done == total:
                drawn, rate = now, done / (now - started)
                print(f"\r  {label:<70} {done:>5}/{total} {rate:6.1f}/s", end="", file=sys.stderr, flush=True)

    await asyncio.gather(*(loop(user) for user in range(users)))
    print(file=sys.stderr)
    kib = sum(sizes) / max(len(sizes), 1) / 1024
    return {"ms": every[warm:], "first": every[0], "status": dict(statuses), "kib": kib}


async def drive(config: dict[str, Any]) -> dict[str, Any]:
    """Every row's page, by its signed-in users, then its API routes, by the same users' tokens."""
    accounts, cases, live, dates = config["accounts"], config["cases"], config["live"], config["dates"]
    url, warm = config["api_url"], max(config["clients"], config["requests"] // 10)
    n = config["requests"] + warm
    results: dict[str, dict[str, Any]] = {}
    async with contextlib.AsyncExitStack() as stack:
        browsers = {role: [await sign_in(url, a) for a in people] for role, people in accounts.items()}
        tokens = {
            role: [KeptConnection(url, headers={"Authorization": f"Bearer {a['token']}"}) for a in people]
            for role, people in accounts.items()
        }
        for client in (c for clients in (*browsers.values(), *tokens.values()) for c in clients):
            stack.push_async_callback(client.aclose)
        for name, role, page, routes in ROWS:
            for target in (page, *routes):

                def get(user: int, index: int, target: str = target, role: str = role) -> Any:
                    person = accounts[role][user]
                    case, live_case = cases[index % len(cases)], live[index % len(live)]
                    path = target.format(uid=person["id"], case=case, live=live_case, **dates)
                    return (tokens if target.startswith("/api/") else browsers)[role][user].get(path)

                label, users = f"{name}: GET {target}", len(accounts[role])
                alone = await timed(f"{label} (one user)", ALONE + 1, 1, 1, get)
                shared = await timed(label, n, warm, users, get)
                both = Counter(alone["status"]) + Counter(shared["status"])
                shared.update(first=alone["first"], alone=alone["ms"], status=dict(both))
                results.setdefault(name, {})[target] = shared
    return results


async def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """One backend from a fresh database to its figures."""
    tmp = Path(tempfile.mkdtemp(prefix=f"ehcp-bench-pages-{backend}-"))
    try:
        with fresh_database(backend, args, tmp) as url:
            note(f"{backend}: migrating")
            await upgrade(url)
            generator, load_s = load(backend, url, args)
            people = await accounts(url, generator, args.clients)
            sample = random.Random(args.seed).sample(generator.case_ids, min(1000, args.plans))
            async with running(url, tmp, model.LA_CODES[0], args.api_workers) as api_url:
                note(f"{backend}: creating {args.live_cases} live cases through the API")
                live = await live_cases(api_url, people["caseworker"][0]["token"], args.live_cases)
                today = today_in_england()
                dates = {"today": today.isoformat(), "year_ago": (today - timedelta(days=365)).isoformat()}
                cases = [str(uuid.UUID(int=case)) for case in sample]
                config: dict[str, Any] = {
                    "api_url": api_url,
                    "accounts": people,
                    "cases": cases,
                    "live": live,
                }
                config.update(dates=dates, requests=args.requests, clients=args.clients)
                load_average = [os.getloadavg()[0]]
                rows = await run_driver(drive, config, timeout=DRIVER_TIMEOUT)
                load_average.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    stats = generator.stats
    made = {"plans": stats.plans, "deadlines": stats.deadlines, "advice_requests": stats.advice_requests}
    timing = {"load_s": load_s, "load_average": load_average, "api_workers": args.api_workers}
    return {"backend": backend, **made, **timing, "rows": rows}


def report(args: argparse.Namespace, outcome: dict[str, Any]) -> None:
    print(
        f"\n== {outcome['backend']}: {outcome['plans']:,} plans (authorities: {args.authorities}), "
        f"{outcome['deadlines']:,} deadlines, {outcome['advice_requests']:,} advice requests (loaded and "
        f"analysed in {outcome['load_s']:.0f} s); {args.clients} signed-in users a row, {args.requests} "
        f"measured calls a request, {args.api_workers} API processes, {os.cpu_count()} cores, load average "
        "{:.1f} before measuring, {:.1f} after".format(*outcome["load_average"])
    )
    numbers = " ".join(f"{c + ' ms':>8}" for c in ("first", "alone", "p50", "p95", "max"))
    header = f"{'row':<22} {'request':<62} {numbers} {'KiB':>6}  {'p95 < 300 ms | page - API':<24} answers"
    print(f"{header}\n{'-' * len(header)}")
    for name, targets in outcome["rows"].items():
        page = 0.0
        for target, got in targets.items():
            api, ms, p95 = target.startswith("/api/"), got["ms"], percentile(got["ms"], 95)
            shown = (got["first"], percentile(got["alone"], 50), percentile(ms, 50), p95, max(ms))
            answers = ", ".join(f"{status} x{n}" for status, n in sorted(got["status"].items()))
            if api:
                verdict = f"{page - p95:+.1f} ms ({page / p95:.1f}x)"
            else:
                page, failed = p95, set(got["status"]) != {"200"}
                verdict = "yes" if p95 < TARGET_MS and not failed else "NO"
            numbers, label = " ".join(f"{x:>8.1f}" for x in shown), "" if api else name
            print(f"{label:<22} GET {target:<58} {numbers} {got['kib']:>6.1f}  {verdict:<24} {answers}")
    print(
        f"(first: the first call, one user alone, caches cold; alone: the p50 of the next {ALONE}; then p50, "
        f"p95, max of {args.clients} users at once; answers: status x count, with warm-up; KiB: mean body)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=640_000)
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--clients", type=int, default=20, help="concurrent signed-in users a row")
    parser.add_argument("--requests", type=int, default=200, help="measured calls of each page and route")
    parser.add_argument("--live-cases", type=int, default=20, help="cases created on the running stack")
    parser.add_argument("--authorities", type=int, default=1, help="authorities the plans are spread over")
    parser.add_argument(
        "--api-workers", type=int, default=os.cpu_count() or 1, help="`ehcp api` processes (EHCP_API_WORKERS)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", default=SERVER, help="the PostgreSQL server")
    parser.add_argument("--database", default=DATABASE, help="the database created (and dropped) there")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    backends = [b.strip() for b in args.databases.split(",") if b.strip()]
    if not backends or set(backends) - {"sqlite", "postgresql"}:
        parser.error("--databases takes sqlite, postgresql or both, comma-separated")
    if args.plans < 100 or min(args.clients, args.requests, args.live_cases, args.api_workers) < 1:
        parser.error(
            "--plans must be at least 100; --clients, --requests, --live-cases and --api-workers 1 or more"
        )
    if not 1 <= args.authorities <= len(model.LA_CODES):
        parser.error(f"--authorities must be from 1 to {len(model.LA_CODES)}")

    async def everything() -> None:
        outcomes = []
        for backend in backends:
            outcomes.append(await run_backend(backend, args))
            report(args, outcomes[-1])
            sys.stdout.flush()
        if args.json:
            args.json.write_text(json.dumps(outcomes))

    run_main(everything)


if __name__ == "__main__":
    main()
