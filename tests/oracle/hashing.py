"""The 32-bit key mix the kernels use for hash slots, FlowIDs and pool pairing."""

M32 = 0xFFFFFFFF


def hash64(key: int) -> int:
    h = ((key & M32) * 0x9E3779B1) ^ (((key >> 32) & 0x7FFFFFFF) * 0x85EBCA77)
    h &= M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)
