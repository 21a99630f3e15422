"""The link between a bridge daemon and the web: its routes and the service behind them.
The contract itself lives in ``wire.contract``."""
