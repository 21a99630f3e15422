"""The link between a bridge daemon and the web: contract, routes, service."""
