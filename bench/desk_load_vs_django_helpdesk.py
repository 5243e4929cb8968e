#!/usr/bin/env python3
"""Benchmark: the service desk under load with a million tickets stored, servq vs django-helpdesk.

    bench/desk_load_vs_django_helpdesk.py [--tickets 1000000] [--connections 64] [--duration 30]
                                          [--servq-db sqlite,postgres] [--skip-django]

1. Generates one ticket file (deterministic): a year of tickets up to 2026-11-23, most resolved
   and closed, the newest ~5 % still open, four teams, the 18 default consult categories plus
   complaints, four priorities.
2. servq (release build), on each database asked for: a fresh store, `servq import tickets`
   (history kept: statuses, response and resolution times, SLA clocks met or breached), one
   escalation pass (so the running clocks are caught up before the load), then `servq serve`.
3. django-helpdesk (PyPI, in a virtualenv under bench/out) on the same PostgreSQL server: a
   fresh database, migrations, the same tickets bulk-inserted (bench/helpdesk_site/seed.py),
   served by gunicorn with 2 × cores + 1 sync workers (gunicorn's recommendation), DEBUG off,
   persistent database connections.
4. The load, the same for both, with wrk (Debian package): half the connections create tickets
   (servq `POST /api/v1/tickets`, django-helpdesk `POST /api/tickets/`, each with its API token),
   the other half at the same time list the open tickets newest first, 25 a page (servq
   `GET /api/v1/tickets?status=open&limit=25`; django-helpdesk the JSON its staff ticket list
   loads, `/datatables_ticket_list/…`, which pages in SQL — its REST list endpoint reads every
   accessible ticket into Python before paging, see the note printed at the end). p50/p99
   latency and requests per second for each side, errors (any non-2xx fails the run), and that
   the number of tickets stored grew by the number of creates wrk counted.
5. Prints both and the ratios (servq ÷ django-helpdesk for throughput, django-helpdesk ÷ servq
   for p99), and servq's ticket KPI report over the year and over a month at the end.
"""
import argparse
import csv
import datetime
import base64
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVQ = ROOT / "target" / "release" / "servq"
SITE = ROOT / "bench" / "helpdesk_site"
END = datetime.datetime(2026, 11, 23, 18, 0)
PASSWORD = "bench password 123"
TEAMS = ["care", "billing", "cards", "complaints"]
CONSULT = ["account_opening", "card_activation", "lost_card", "bill_query", "repayment", "credit_limit",
           "interest_fees", "points_rewards", "installments", "loan_application", "online_banking",
           "mobile_app", "transfers", "fraud_security", "branch_service", "product_information",
           "policy_rules", "consult_other"]
COMPLAINT = ["billing", "service_attitude", "process_delay"]
PRIORITIES = [("urgent", 0.03), ("high", 0.17), ("normal", 0.6), ("low", 0.2)]

WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP99 %d\\n", latency:percentile(50), latency:percentile(99)))
  io.write(string.format("REQUESTS %d %d\\n", summary.requests, summary.duration))
  local e = summary.errors
  io.write(string.format("ERRORS %d\\n", e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def run(command, env=None, input=None, cwd=None):
    result = subprocess.run(command, env={**os.environ, **(env or {})}, input=input, cwd=cwd,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_tools():
    if not shutil.which("wrk"):
        print("installing wrk (apt)", flush=True)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run([*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq",
                        "wrk"], check=True, stdout=subprocess.DEVNULL)


def ensure_helpdesk(workdir):
    venv = Path(workdir) / "helpdesk-venv"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "gunicorn").exists():
        print("installing django-helpdesk, gunicorn and psycopg in a virtualenv (pip)", flush=True)
        run([sys.executable, "-m", "venv", venv])
        run([python, "-m", "pip", "install", "-q", "-r", SITE / "requirements.txt"])
    return venv


def generate(path, count):
    """The ticket file: a year of tickets, newest last; `count` rows."""
    rng = random.Random(20261124)
    span_s = 365 * 86400
    start = END - datetime.timedelta(seconds=span_s)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["ticket_id", "ticket_type", "category", "priority", "subject", "description",
                      "customer_id", "segment", "channel", "team", "created_at", "status",
                      "first_response_at", "resolved_at", "closed_at"])
        for n in range(count):
            created = start + datetime.timedelta(seconds=span_s * n / count)
            complaint = rng.random() < 0.06
            category = rng.choice(COMPLAINT) if complaint else rng.choice(CONSULT)
            team = "complaints" if complaint else TEAMS[n % 3]
            priority = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
            age = (END - created).total_seconds()
            first = created + datetime.timedelta(minutes=rng.expovariate(1 / 90))
            resolved = first + datetime.timedelta(hours=rng.expovariate(1 / 20))
            if resolved > END or age < 86400 * 18:
                status, resolved_at, closed_at = "open", "", ""
                first_at = first.isoformat() if first < END else ""
            else:
                closed = resolved + datetime.timedelta(hours=rng.expovariate(1 / 48))
                status = "closed" if closed < END else "resolved"
                first_at, resolved_at = first.isoformat(), resolved.isoformat()
                closed_at = closed.isoformat() if status == "closed" else ""
            out.writerow([f"B{n:08d}", "complaint" if complaint else "consult", category, priority,
                          f"{category} question {n}", "Customer asks about their account; details inside.",
                          f"C{rng.randrange(300000):06d}", "VIP" if rng.random() < 0.05 else "",
                          rng.choice(["phone", "web", "email", "wechat"]), team, created.isoformat(),
                          status, first_at, resolved_at, closed_at])
    tmp.rename(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, process, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer in {seconds} s")


def wrk_script(directory, name, method="GET", body=None, headers=None):
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for key, value in (headers or {}).items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    path = Path(directory) / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


def load(create, listing, connections, duration, drained):
    """Three phases: every connection creating, every connection listing, then half and half at
    the same time. Before each, `drained()` waits until the server has answered what wrk left
    queued when it stopped (a slow server is still working through it)."""
    drained()
    phases = {"create_only": wrk_all([create], connections, duration)["create"]}
    drained()
    phases["list_only"] = wrk_all([listing], connections, duration)["create"]
    drained()
    phases.update(wrk_all([create, listing], connections // 2, duration))
    return phases


def drainer(url, headers):
    """Waits for one answer from `url`: queued behind whatever the server still has to do."""
    def drained():
        started = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=600) as answer:
            answer.read()
        waited = time.perf_counter() - started
        if waited > 1:
            print(f"  (waited {waited:.0f} s for the server to finish the previous phase's requests)",
                  flush=True)
    return drained


def wrk_all(targets, connections, duration):
    """Runs one wrk per target at the same time, each with `connections` connections."""
    procs = []
    for url, script in targets:
        procs.append(subprocess.Popen(
            ["wrk", "-t1", f"-c{max(1, connections)}", f"-d{duration}s", "--timeout", "60s", "-s", str(script),
             url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"wrk failed: {err}")
        figures = dict(re.findall(r"^(P50|P99|ERRORS) (\d+)$", out, re.M))
        requests, micros = map(int, re.search(r"^REQUESTS (\d+) (\d+)$", out, re.M).groups())
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        results.append({
            "requests": requests, "rps": requests / (micros / 1e6),
            "p50_ms": int(figures["P50"]) / 1000, "p99_ms": int(figures["P99"]) / 1000,
            "errors": int(figures["ERRORS"]) + (int(non_2xx.group(1)) if non_2xx else 0),
        })
    return dict(zip(["create", "list"], results))


def request(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as response:
        payload = response.read()
    return json.loads(payload or b"null"), (time.perf_counter() - started) * 1000


def servq_side(kind, csv_path, pg_url, tmp, args):
    """Imports the tickets into a fresh servq store on `kind`, serves it and loads it."""
    if kind == "sqlite":
        db = Path(args.workdir) / "desk-bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite://{db}"
    else:
        admin = pg_url.rsplit("/", 1)[0]
        run(["psql", f"{admin}/postgres", "-qc", "DROP DATABASE IF EXISTS servq_desk_bench"])
        run(["psql", f"{admin}/postgres", "-qc", "CREATE DATABASE servq_desk_bench"])
        url = f"{admin}/servq_desk_bench"
    env = {"SERVQ_DATABASE_URL": url, "SERVQ_TZ": "Asia/Shanghai"}
    started = time.perf_counter()
    run([SERVQ, "import", "tickets", csv_path], env)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    run([SERVQ, "desk", "escalate"], env)
    escalate_s = time.perf_counter() - started
    run([SERVQ, "user", "add", "bench", "--role", "admin"], env, input=f"{PASSWORD}\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([SERVQ, "serve", "--addr", f"127.0.0.1:{port}"], env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"{base}/login", server)
        # an API token, made with a signed-in session (as a user would in the web app)
        form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD}).encode()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.open(f"{base}/login", form)
        me = json.loads(opener.open(f"{base}/api/v1/me").read())
        made = opener.open(urllib.request.Request(
            f"{base}/api/v1/tokens", data=json.dumps({"name": "bench"}).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": me["csrf_token"]}))
        token = json.loads(made.read())["token"]
        auth = {"Authorization": f"Bearer {token}"}
        body = {"ticket_type": "consult", "category": "bill_query", "priority": "normal",
                "subject": "Bill shows a fee I do not recognise", "customer_id": "C000123",
                "channel": "web", "description": "Customer asks about their account; details inside."}
        kpi_year, year_ms = request(f"{base}/api/v1/desk/kpi?from=2025-11-24&to=2026-11-23", headers=auth)
        _, month_ms = request(f"{base}/api/v1/desk/kpi?from=2026-10-24&to=2026-11-23", headers=auth)
        before = count_servq(env)
        create = wrk_script(tmp, f"servq-{kind}-create", "POST", json.dumps(body),
                            {**auth, "Content-Type": "application/json"})
        listing = wrk_script(tmp, f"servq-{kind}-list", headers=auth)
        figures = load((f"{base}/api/v1/tickets", create),
                       (f"{base}/api/v1/tickets?status=open&limit=25", listing),
                       args.connections, args.duration,
                       drainer(f"{base}/api/v1/tickets?status=open&limit=1", auth))
        # the day's thousands of new tickets are re-summed into the cube by this request
        _, after_ms = request(f"{base}/api/v1/desk/kpi?from=2025-11-24&to=2026-11-24", headers=auth)
    finally:
        server.terminate()
        server.wait()
    grown = count_servq(env) - before
    return {"import_s": import_s, "escalate_s": escalate_s, "grown": grown, "kpi_year_ms": year_ms,
            "kpi_month_ms": month_ms, "kpi_after_load_ms": after_ms, "kpi_year": kpi_year, **figures}


def count_servq(env):
    url = env["SERVQ_DATABASE_URL"]
    if url.startswith("sqlite://"):
        import sqlite3
        with sqlite3.connect(url.removeprefix("sqlite://")) as db:
            return db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    return int(run(["psql", url, "-tAc", "SELECT count(*) FROM tickets"]).strip())


def django_side(csv_path, pg_url, tmp, args):
    venv = ensure_helpdesk(args.workdir)
    admin = pg_url.rsplit("/", 1)[0]
    run(["psql", f"{admin}/postgres", "-qc", "DROP DATABASE IF EXISTS helpdesk_bench"])
    run(["psql", f"{admin}/postgres", "-qc", "CREATE DATABASE helpdesk_bench"])
    parsed = urllib.parse.urlparse(pg_url)
    env = {"HELPDESK_DB": "helpdesk_bench", "HELPDESK_DB_HOST": parsed.hostname,
           "HELPDESK_DB_PORT": str(parsed.port or 5432)}
    python = venv / "bin" / "python"
    run([python, "manage.py", "migrate", "-v0"], env, cwd=SITE)
    started = time.perf_counter()
    seeded = json.loads(run([python, "seed.py", csv_path], env, cwd=SITE))
    seed_s = time.perf_counter() - started
    workers = 2 * os.cpu_count() + 1
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([venv / "bin" / "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "--backlog", "2048", "wsgi:application"], env={**os.environ, **env}, cwd=SITE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"{base}/login/", server)
        auth = {"Authorization": f"Token {seeded['token']}"}
        body = {"queue": seeded["queues"]["billing"], "title": "Bill shows a fee I do not recognise",
                "description": "Customer asks about their account; details inside.",
                "submitter_email": "C000123@example.com", "priority": 3}
        query = base64.b64encode(json.dumps({"filtering": {"status__in": [1, 2]}, "sorting": "created",
                                             "search_string": "", "sortreverse": True}).encode()).decode()
        list_url = (f"{base}/datatables_ticket_list/{query}?draw=1&start=0&length=25"
                    "&order%5B0%5D%5Bcolumn%5D=5&order%5B0%5D%5Bdir%5D=desc")
        cookie = {"Cookie": f"sessionid={seeded['session']}"}
        page, _ = request(list_url, headers=cookie)
        if not page.get("data"):
            sys.exit(f"django-helpdesk's ticket list is empty: {page}")
        before = count_helpdesk(python, env)
        create = wrk_script(tmp, "django-create", "POST", json.dumps(body),
                            {**auth, "Content-Type": "application/json"})
        listing = wrk_script(tmp, "django-list", headers=cookie)
        figures = load((f"{base}/api/tickets/", create), (list_url, listing), args.connections, args.duration,
                       drainer(f"{base}/login/", {}))
        # the REST list endpoint, once, for the note (it reads every accessible ticket)
        try:
            _, rest_list_ms = request(f"{base}/api/tickets/?status=1", headers=auth)
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            rest_list_ms = f"failed: {error}"
    finally:
        server.terminate()
        server.wait()
    grown = count_helpdesk(python, env) - before
    return {"import_s": seed_s, "grown": grown, "rest_list_ms": rest_list_ms, **figures}


def count_helpdesk(python, env):
    out = run([python, "-c", "import os; os.environ['DJANGO_SETTINGS_MODULE']='settings'; import django; "
               "django.setup(); from helpdesk.models import Ticket; print(Ticket.objects.count())"], env, cwd=SITE)
    return int(out.strip())


def check(name, side):
    for op in PHASES:
        if side[op]["errors"]:
            sys.exit(f"{name}: {side[op]['errors']} {op} requests failed")
    creates = side["create"]["requests"] + side["create_only"]["requests"]
    # wrk counts the requests answered before it stopped; the server may finish a few more (the
    # connections cut mid-request), never fewer
    if side["grown"] < creates:
        sys.exit(f"{name}: wrk counted {creates} creates, the store grew by {side['grown']}")


def ratio(a, b):
    return f"{a / b:.1f}×" if b else "∞ (the peer answered none)"


PHASES = {"create_only": "create alone", "list_only": "list alone", "create": "create (mixed)",
          "list": "list (mixed)"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--servq-db", default="sqlite,postgres")
    parser.add_argument("--skip-django", action="store_true")
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if [k for k in args.servq_db.split(",") if k] and not SERVQ.exists():
        sys.exit("build first: cargo build --release -p servq-cli")
    ensure_tools()
    pg_url = run([ROOT / "scripts" / "pg-start.sh"]).strip()
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    csv_path = Path(args.workdir) / f"tickets-{args.tickets}.csv"
    if not csv_path.exists():
        print(f"generating {args.tickets:,} tickets …", flush=True)
        generate(csv_path, args.tickets)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in [k for k in args.servq_db.split(",") if k]:
            print(f"servq on {kind}: importing, then {args.connections} connections for {args.duration} s …",
                  flush=True)
            results[f"servq ({kind})"] = servq_side(kind, csv_path, pg_url, tmp, args)
            print(json.dumps({k: v for k, v in results[f"servq ({kind})"].items() if k != "kpi_year"}), flush=True)
        if not args.skip_django:
            print(f"django-helpdesk on postgres: seeding, then {args.connections} connections …", flush=True)
            results["django-helpdesk (postgres)"] = django_side(csv_path, pg_url, tmp, args)
            print(json.dumps(results["django-helpdesk (postgres)"]), flush=True)
    for name, side in results.items():
        check(name, side)
    print(f"\n{args.tickets:,} tickets stored; wrk for {args.duration} s per phase, {args.connections} "
          f"connections (mixed: half creating and half listing open tickets 25 a page at the same "
          f"time); {os.cpu_count()} cores\n")
    print(f"{'':28} {'stored in':>9}" + "".join(f" {label:>26}" for label in PHASES.values()))
    print(f"{'':28} {'':>9}" + " {:>9} {:>7} {:>8}".format("req/s", "p50 ms", "p99 ms") * len(PHASES))
    for name, side in results.items():
        cells = "".join(f" {side[op]['rps']:9.1f} {side[op]['p50_ms']:7.1f} {side[op]['p99_ms']:8.1f}"
                        for op in PHASES)
        print(f"{name:28} {side['import_s']:8.0f}s{cells}")
    peer = results.get("django-helpdesk (postgres)")
    if peer:
        print("\nratios: throughput servq ÷ django-helpdesk, p99 django-helpdesk ÷ servq")
        for name, side in results.items():
            if side is peer:
                continue
            print(f"  {name:26}" + ";".join(
                f" {label} {ratio(side[op]['rps'], peer[op]['rps'])} / {ratio(peer[op]['p99_ms'], side[op]['p99_ms'])}"
                for op, label in PHASES.items()))
        rest = peer["rest_list_ms"]
        rest = rest if isinstance(rest, str) else f"{rest:.0f} ms"
        print(f"\nnote: django-helpdesk's REST list /api/tickets/?status=1 (reads every ticket into "
              f"Python before paging): {rest} for one request, alone")
    for name, side in results.items():
        if "kpi_year_ms" in side:
            print(f"{name}: ticket KPI report (GET /api/v1/desk/kpi), a year {side['kpi_year_ms']:.0f} ms, "
                  f"a month {side['kpi_month_ms']:.0f} ms (first request, nothing cached); a year to "
                  f"today right after the load {side['kpi_after_load_ms']:.0f} ms")


if __name__ == "__main__":
    main()
