"""bench/pages.py at a tiny size on SQLite: every page and its API routes answered, all with 200.

The figures are not checked (this machine's timings say nothing here); that the benchmark runs end to
end is: the read model with its advice requests, the sign-ins through the form, the live cases on the
dev server, and a figure for each request it reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALONE = 10  # bench/pages.py's calls by one user alone, after the first
PAGES = {
    "your cases": ["/cases", "/api/cases?caseworker_id={uid}&limit=25"],
    "case, read model only": ["/cases/{case}", "/api/cases/{case}"],
    "case, live workflow": ["/cases/{live}", "/api/cases/{live}"],
    "agency inbox": ["/inbox", "/api/advice-requests?limit=25"],
    "dashboard": ["/dashboard", "/api/kpis?received_from={year_ago}&received_to={today}", "/api/overdue"],
}


def test_every_page_and_route_answers_200(tmp_path: Path) -> None:
    figures = tmp_path / "pages.json"
    tiny = ["--plans", "300", "--clients", "2", "--requests", "2", "--live-cases", "1", "--api-workers", "2"]
    run = subprocess.run(
        [sys.executable, "bench/pages.py", *tiny, "--databases", "sqlite", "--json", str(figures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    (outcome,) = json.loads(figures.read_text())
    assert outcome["backend"] == "sqlite"
    assert outcome["plans"] == 300
    assert outcome["api_workers"] == 2  # `ehcp api` with EHCP_API_WORKERS=2: uvicorn's workers on one port
    assert outcome["advice_requests"] > 0
    assert {name: list(targets) for name, targets in outcome["rows"].items()} == PAGES
    for name, targets in outcome["rows"].items():
        for target, result in targets.items():
            # one user alone: a first call and ALONE more; then 2 users: a warm-up of 2 and 2 measured
            assert result["status"] == {"200": 1 + ALONE + 4}, (name, target, result["status"])
            assert (len(result["alone"]), len(result["ms"])) == (ALONE, 2), (name, target)
            assert min(result["first"], result["kib"]) > 0, (name, target)
    for name in PAGES:
        assert name in run.stdout
