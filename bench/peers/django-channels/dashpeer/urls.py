"""No HTTP views: the peer only serves the WebSocket route."""

urlpatterns = []
