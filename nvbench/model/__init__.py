"""The simulation model: SimPy elements that move PacketBatches and call the fast path."""
