"""nvbench: a discrete-event performance testbed for HNV (NVGRE) tenant networks."""

__version__ = "0.1.0"
