"""A Django view that publishes to dashboards once the order is committed.

urls.py: path("orders/", views.create_order); settings.py: DASHWIRE_URL, DASHWIRE_API_KEY.
"""

import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from dashwire import DashwireError, ServerAPI

log = logging.getLogger(__name__)
dashboards = ServerAPI(settings.DASHWIRE_URL, settings.DASHWIRE_API_KEY)


def publish_order(order):
    try:
        dashboards.publish("dashboard:sales", {"order": order["id"], "total": order["total"]}, key="last-order")
    except DashwireError as err:
        log.warning("dashboards not updated: %s", err)


@require_POST
def create_order(request):
    order = json.loads(request.body)
    with transaction.atomic():
        # Order.objects.create(...): save it here.
        # After the commit, so a dashboard never shows an order that was rolled back.
        transaction.on_commit(lambda: publish_order(order))
    return JsonResponse({"saved": True}, status=201)
