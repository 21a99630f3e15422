"""The domain areas, one folder each: tables, services and routes. An area imports the
core and other areas' services; only its routes modules import the HTTP edge."""
