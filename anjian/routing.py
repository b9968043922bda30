"""WebSocket routes; apps add theirs (remote inspection signalling, live notifications)."""

websocket_urlpatterns: list = []
