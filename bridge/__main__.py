"""``python -m bridge --device ID``: the bridge daemon without the ``balcao`` command.

The data folder comes from $BALCAO_DATA (default ./data) and the web from $BALCAO_WEB_URL
(default http://127.0.0.1:$BALCAO_PORT, port 8080).
"""

import os
import sys
from pathlib import Path

from bridge.cli import main

web_url = os.environ.get("BALCAO_WEB_URL") or (
    f"http://127.0.0.1:{os.environ.get('BALCAO_PORT', '8080')}"
)
data_dir = Path(os.environ.get("BALCAO_DATA") or "data").resolve()
raise SystemExit(main(sys.argv[1:], data_dir=data_dir, web_url=web_url))
