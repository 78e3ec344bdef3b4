"""``GET /metrics``: Prometheus text format (0.0.4) on office and lane.

Open to the machine itself (a Prometheus or node agent on the Pi scrapes over loopback) unless
``lane.trust_loopback = false``; from elsewhere it takes a technician or admin API key or session
(give the site's Prometheus a technician key: ``bearer_token`` in its scrape config).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from controller.ops.metrics import CONTENT_TYPE
from controller.ops.metrics_collect import metrics_text
from web.auth import Principal, require_local_or
from web.deps import SystemDep

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics (loopback, or a technician/admin key)")
def metrics(system: SystemDep, who: Principal = Depends(require_local_or("technician", "admin"))):
    return Response(metrics_text(system), media_type=CONTENT_TYPE)
