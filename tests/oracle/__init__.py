"""Slow, obvious pure-Python twins of every fast-path kernel.

They work on ``bytes`` with ``struct`` and the header declarations of
:mod:`nvbench.packet.layouts`, one packet at a time, and share no code with the
kernels except those declarations and the hash function below (a spec, not logic).
"""
