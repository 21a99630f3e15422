"""Funnels: sales funnels, their stages and where each chat stands."""
