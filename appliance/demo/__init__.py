"""The demo shop: a phone-accessories store in Niterói with six weeks of WhatsApp history.

``balcao seed-demo`` fills an empty database (no users yet) with three logins, the
simulated phone, tags, departments and a few hundred conversations with their photos,
voice notes and documents. What the shop is and says lives in data files (``shop.toml``,
``words.toml``, ``scenarios.toml``); ``planner`` draws the history from them, ``media``
makes the files, ``writer`` stores it all through the areas' own writers. The same seed
gives the same shop, so screenshots and benchmarks can be compared.
"""

from appliance.demo.cli import cmd_seed_demo, write_bridge_token
from appliance.demo.planner import DEFAULT_SEED, plan_demo_shop
from appliance.demo.seed import seed_demo
from appliance.demo.writer import DemoShop

__all__ = [
    "DEFAULT_SEED",
    "DemoShop",
    "cmd_seed_demo",
    "plan_demo_shop",
    "seed_demo",
    "write_bridge_token",
]
