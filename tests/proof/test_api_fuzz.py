"""Suite 5b, schemathesis over the whole OpenAPI document of a live all-in-one server.

The schemathesis CLI runs against a LiveServer once per principal (admin, staff, lane, agency
API keys) so that authorisation passes wherever it can. Checks: no 5xx, and every response
conforms to the schema. Examples per operation: 8 by default, 200 with ``--slow``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rigs.server import LiveServer

# staff may do a subset of what admin may: in the default run admin stands for both
ROLES = ("admin", "lane", "agency", pytest.param("staff", marks=pytest.mark.slow))


@pytest.mark.parametrize("role", ROLES)
def test_openapi_fuzz(role, build, size, figures, tmp_path):
    st = Path(sys.executable).with_name("st")
    if not st.exists() and shutil.which("st") is None:
        pytest.fail("schemathesis is not installed in the venv (pip install schemathesis)")
    system = build()
    with LiveServer(system) as server:
        key = system.office.create_api_key(role, lane_id="lane-1" if role == "lane" else None, label="fuzz")
        run = subprocess.run(
            [
                str(st),
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--header",
                f"Authorization: Bearer {key}",
                "--max-examples",
                str(size(4, 200)),
                "--phases",
                "examples,coverage,fuzzing",
                "--workers",
                "1",
                "--seed",
                "1",
                "--no-color",
                # the lane's long-poll holds each request up to ?wait= seconds by design (the
                # e2e and office tests drive it); fuzzing it would only wait
                "--exclude-operation-id",
                "take_api_v1_lane_commands_get",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    out = run.stdout + run.stderr
    summary = [
        line for line in out.splitlines() if re.search(r"(passed|failed|Test cases|operations)", line, re.I)
    ]
    figures(f"{role}: exit {run.returncode}; " + " | ".join(line.strip() for line in summary[-4:]))
    assert run.returncode == 0, out[-6000:]
