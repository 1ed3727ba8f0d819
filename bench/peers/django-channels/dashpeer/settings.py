"""Django settings of the all-to-all dashboard peer (Django Channels, as documented).

The channel layer is chosen by DASHPEER_LAYER: "redis" (channels_redis, the documented
production layer) or "memory" (InMemoryChannelLayer). Layer defaults (capacity 100, expiry 60 s)
are kept on purpose: they are what users get.
"""

import os

SECRET_KEY = "dashwire-bench-peer"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["daphne", "channels"]
ROOT_URLCONF = "dashpeer.urls"
ASGI_APPLICATION = "dashpeer.asgi.application"
USE_TZ = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

if os.environ.get("DASHPEER_LAYER", "redis") == "memory":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [os.environ.get("DASHPEER_REDIS_URL", "redis://127.0.0.1:6379/0")],
                # A per-run prefix keeps runs (and other users of this Redis) apart.
                "prefix": os.environ.get("DASHPEER_PREFIX", "asgi"),
            },
        }
    }
