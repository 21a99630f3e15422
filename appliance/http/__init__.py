"""The HTTP edge: the app factory, request dependencies and guards, pages, the live
event socket and the process's runtime. Areas reach it only from their routes."""
