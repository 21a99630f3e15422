"""``python -m bridge --device ID``: the bridge daemon, with the data folder from $BALCAO_DATA."""

from appliance.cli import main

raise SystemExit(main(["bridge", *__import__("sys").argv[1:]]))
