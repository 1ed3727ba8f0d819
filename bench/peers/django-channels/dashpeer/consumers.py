"""The dashboard consumer: everybody joins one group; every update is broadcast to the group."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

GROUP = "dashboard"


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.channel_layer.group_send(GROUP, {"type": "metric.update", "metric": content})

    async def metric_update(self, event):
        await self.send_json(event["metric"])
