"""The ``sim`` driver: a simulated phone with simulated customers, its state on disk."""

from bridge.drivers.sim.phone import Chaos, SimSettings, SimulatedPhone

__all__ = ["Chaos", "SimSettings", "SimulatedPhone"]
