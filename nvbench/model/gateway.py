"""The Windows Server Gateway VM: vCPUs, a queue, and its function over the fast path.

The gateway VM sits behind its own host's vSwitch (which does the NVGRE work), so it sees
tenant frames with their routing domain (``rd``), as in a WS2012 R2 multi-tenant gateway's
per-tenant compartments [S11][S15]. Two ports:

- ``inside``: tenant traffic from the VM networks; leaves through ``outside`` after the
  function (NAT outbound, ESP encapsulation, or plain forwarding). A NAT hairpin goes
  back ``inside``.
- ``outside``: traffic from the Internet, remote sites, clients or the PE router; leaves
  through ``inside`` after the reverse function.

Both directions share the vCPUs. Packets are bound to a vCPU as RSS binds them: by flow,
and an IPsec tunnel by its SA, so one tunnel never uses more than one core [S23][S34].
``dispatch="shared"`` puts all vCPUs behind one queue instead (Kiefer-Wolfowitz); it is
refused for the VPN functions for that reason.

Costs (cycles) come from the profile; a NAT packet that opened a session costs
``nat_new``, the others ``nat_existing`` (the kernel reports which packets opened one).

The functions run as packets arrive, each port's packets in arrival order across its
inputs (:mod:`nvbench.model.merge`), before the queue decides who fits. The NAT takes both
ports' packets in one arrival order and decides each at its own time
(:mod:`nvbench.fastpath.nat_sessions`): an inbound packet meets the mappings as they were
when it came, however the quantum groups it with outbound ones. An unsolicited inbound SYN
may be held and answered later (:mod:`nvbench.model.syn_hold`). A NAT mapping opened by
a packet the full queue then drops is undone at once (a real gateway drops first), unless
a packet the queue took used it too (:mod:`nvbench.model.nat_books`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath import nat as nat_kernels
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.tunnels import TunnelRoutes
from nvbench.fastpath.verdict import GATEWAY_FAILOVER, new_counts
from nvbench.model import answers, pieces
from nvbench.model.costs import Profile
from nvbench.model.element import Element
from nvbench.model.functions import (
    CODE,
    INSIDE,
    MODES,
    OUTSIDE,
    TenantFunctions,
    esp_frames,
)
from nvbench.model.limits import TunnelLimits
from nvbench.model.merge import HeadMerge, merged_frames
from nvbench.model.nat_books import NatNotes, hairpins, nat_figures, nat_rows, unopen_dropped
from nvbench.model.station import PINNED, SHARED, Station
from nvbench.model.syn_hold import SynHold
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

# What the NAT and forwarding functions read of a packet besides its header bytes.
HEAD_COLUMNS = ("offset", "length", "time", "rd", "verdict")


class Port(Element):
    """One side of a gateway: ``put`` hands packets to the gateway; ``.out`` is where the
    gateway's packets for this side go. It keeps no books of its own."""

    kind = "port"

    def __init__(self, sim: Simulation, name: str, gateway: GatewayVM, side: int) -> None:
        super().__init__(sim, name)
        self.gateway, self.side = gateway, side

    def put(self, batch: PacketBatch) -> None:
        self.gateway.accept(batch, self.side)

    def successors(self) -> list[Element]:
        return [self.gateway]


@dataclass
class Quantum:
    """The packets a gateway works on in one quantum: the views, the port each came in by,
    and what the NAT noted of each view's packets (None: the NAT did not see it)."""

    views: list[PacketBatch]
    sides: list[int]
    nat: list[NatNotes | None]

    @property
    def inside(self) -> int:
        """How many of the views (the first ones) came in from the VM networks."""
        return self.sides.count(INSIDE)


class GatewayVM(Station):
    """A gateway VM running, for each tenant, that tenant's function.

    Parameters
    ----------
    mode : "forward", "nat" or "esp"
        The function of every tenant not in ``modes``.
    modes : dict, optional
        Routing domain -> function, for a multi-tenant gateway whose tenants differ.
    vcpus, clock_hz : int, float
        The VM's vCPUs and their clock (WS2012 R2 guidance: 4 or 8 vCPUs [S18]).
    queue_pkts : int, optional
        Packets the VM holds, waiting and in service.
    nat : NatTable
        For mode "nat".
    sas : SaTable, routes
        For mode "esp" (S2S and remote-access tunnels): the SAs (each with its cipher
        suite, which sets a packet's cost), and the routes that choose a packet's
        outbound SA.
    tunnel_mtu, esp_df : int, "copy" or "clear"
        The external path MTU, and the DF bit of the tunnels' ESP packets: copied from
        the inner packet (a packet over the MTU with DF set is dropped as TOO_BIG), or
        cleared, so that an ESP packet over the MTU leaves in pieces; pieces coming in
        are joined before they are decrypted (:mod:`nvbench.model.pieces`).
    addresses : int array, optional
        Its own address in each tenant's network (by routing domain): the source of the
        ICMP errors it answers refused packets with (:mod:`nvbench.model.answers`).
    front_end : int, optional
        Its external address, where its tunnels end: ESP sent there in pieces is joined
        (and so is what is sent in pieces to its NAT's pool: RFC 4787 REQ-14).
    syn_hold : SynHold, optional
        Where its NAT holds unsolicited inbound SYNs (its NatConfig's ``hold_syn``), to
        answer them later (RFC 5382 REQ-4).
    limits : TunnelLimits, optional
        The most its tunnels of each kind carry, in and out together (a profile's limits).
    vlans : int array, optional
        The 802.1Q VLAN of each forwarded tenant's external traffic (0: untagged):
        tagged on the way out, untagged (and checked) on the way in.
    """

    kind = "gateway"

    def __init__(
        self,
        sim: Simulation,
        name: str,
        mode: str,
        costs: Profile,
        vcpus: int = 8,
        clock_hz: float = 2.6e9,
        queue_pkts: int | None = 4096,
        nat: NatTable | None = None,
        sas: SaTable | None = None,
        routes: TunnelRoutes | None = None,
        dispatch: str = PINNED,
        modes: dict[int, str] | None = None,
        tunnel_mtu: int = 1500,
        vlans: np.ndarray | None = None,
        esp_df: str = "copy",
        addresses: np.ndarray | None = None,
        front_end: int | None = None,
        syn_hold: SynHold | None = None,
        limits: TunnelLimits | None = None,
    ) -> None:
        every = {mode, *(modes or {}).values()}
        _check(name, every, nat, sas, routes, dispatch)
        super().__init__(sim, name, servers=vcpus, cap_pkts=queue_pkts, dispatch=dispatch)
        self.mode, self.costs, self.clock_hz = mode, costs, clock_hz
        codes = np.full(sim.max_tenants, CODE[mode], np.int8)
        for rd, m in (modes or {}).items():
            codes[rd] = CODE[m]
        if esp_df not in ("copy", "clear"):
            raise ValueError(f"{name}: esp_df must be 'copy' or 'clear', got {esp_df!r}")
        self.fns = TenantFunctions(codes, nat, sas, routes, tunnel_mtu, vlans, esp_df == "clear",
                                   addresses)  # fmt: skip
        self.nat, self.sas, self.syn_hold, self.limits = nat, sas, syn_hold, limits
        self.counts = new_counts()
        self.inside = Port(sim, f"{name}.inside", self, INSIDE)
        self.outside = Port(sim, f"{name}.outside", self, OUTSIDE)
        self._outside_inbox: list[PacketBatch] = []
        self._held_inside: list[PacketBatch] = []  # leaving by the inside port
        self.nat_unopened = 0  # mappings undone: their packet was dropped by the full queue
        self._no_tunnels: list[tuple[int, int]] = []
        # ESP encrypts whole payloads, so a gateway with tunnels merges whole frames to keep
        # arrival order; NAT and forwarding need only the headers.
        self.merge_whole_frames = sas is not None
        if sas is not None or nat is not None:  # joins what is sent to it in pieces
            own = [] if nat is None else [int(a) for a in nat.addresses()]
            pieces.receiver(self, own + ([front_end] if front_end is not None else []))
        self._heads: HeadMerge[NatNotes] = HeadMerge(nat_kernels.SPAN, HEAD_COLUMNS)
        # The one function of every tenant (not ESP), if there is one: the hot path then
        # needs no per-packet function codes.
        self._one_fn = CODE[mode] if len(every) == 1 and "esp" not in every else None
        self._q = Quantum([], [], [])

    # -- wiring -----------------------------------------------------------------------------

    def successors(self) -> list[Element]:
        return [p.out for p in (self.inside, self.outside) if p.out is not None]

    def accept(self, batch: PacketBatch, side: int) -> None:
        """A view arriving by port ``side``: booked as offered, kept if it has live packets."""
        kept = len(self._inbox)
        Element.put(self, batch)
        if side == OUTSIDE and len(self._inbox) > kept:
            self._outside_inbox.append(self._inbox.pop())

    def held_views(self) -> list[PacketBatch]:
        return [*super().held_views(), *self._outside_inbox, *self._held_inside]

    # -- the quantum (Station's hooks) ---------------------------------------------------------

    def take_due(self, t1: int) -> list[PacketBatch]:
        inside, self._inbox = self.split(self._inbox, t1)
        outside, self._outside_inbox = self.split(self._outside_inbox, t1)
        if self.merge_whole_frames:
            inside, outside = merged_frames(self.sim, inside), merged_frames(self.sim, outside)
        views = inside + outside
        sides = [INSIDE] * len(inside) + [OUTSIDE] * len(outside)
        self._q = Quantum(views, sides, [None] * len(views))
        return views

    def transform(self, views: list[PacketBatch]) -> None:
        """The tenants' functions, each port's packets in arrival order (NAT: both ports'
        together)."""
        q, k = self._q, self._q.inside
        if self.reassembly is not None:  # what came to it in pieces: whole before anything
            for v in q.views[k:]:
                pieces.join(self, v, self.counts)
        for lo, hi in self._no_tunnels:  # no SA yet: tunnel packets dropped
            for v, side in zip(q.views, q.sides, strict=True):
                gone = self.fns.tunnel_rows(v, side, lo, hi)
                v.verdict[gone] = GATEWAY_FAILOVER
                self.dropped(v, gone)
        if self.fns.vlans is not None:  # stateless: view by view
            for v in q.views[k:]:
                self.apply_one(v, self.fns.untag, self.counts)
        for v, side in zip(q.views, q.sides, strict=True):  # tunnels: merged already
            self.apply_one(v, self.fns.outbound if side == INSIDE else self.fns.inbound,
                           self.counts)  # fmt: skip
        if self.nat is not None:
            q.nat = self._nat_in_order(q)
        self._held_inside.extend(answers.of_gateway(self, self.fns, q.views[:k], q.nat[:k]))
        if self.fns.vlans is not None:
            for v in q.views[:k]:
                self.apply_one(v, self.fns.tag, self.counts)

    def service_times(self, views: list[PacketBatch], rows: list[np.ndarray]) -> np.ndarray:
        q = self._q
        parts = [self._service_ns(v, r, side, note)
                 for v, r, side, note in zip(views, rows, q.sides, q.nat, strict=True)]  # fmt: skip
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def servers_of(self, views: list[PacketBatch], rows: list[np.ndarray]) -> np.ndarray:
        """RSS: a tunnel's packets, both ways, to its connection's vCPU; the others by
        flow [S23][S34]."""
        parts = [self.fns.vcpus(v, r, side, self.servers, self._one_fn is not None,
                                self.costs.spread)
                 for v, r, side in zip(views, rows, self._q.sides, strict=True)]  # fmt: skip
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def reset_stats(self) -> int:
        if self.syn_hold is not None:  # its figures count from the end of the warm-up
            self.syn_hold.reset_books()
        if self.limits is not None:
            self.limits.reset()
        return super().reset_stats()

    def outputs(self, views, rows, d, order) -> list[PacketBatch]:
        """Each view held for the port it leaves by; NAT hairpins are copied out to go back
        inside, their rows left as MOVED husks. Holds them itself (two ports)."""
        q, k = self._q, self._q.inside
        if self.limits is not None:  # after the vCPUs, each limited kind at its rate
            self.limits.apply(self, q.views, q.sides, self.fns)
        if self.nat is not None:
            self.nat_unopened += unopen_dropped(self.nat, q.views[:k], q.nat[:k])
        for v, note in zip(q.views[:k], q.nat[:k], strict=True):
            back = hairpins(self.sim, v, note) if note is not None else None
            self._held_inside.extend([back] if back is not None else [])
            self._held.append(v)
            if self.fns.clear_df:  # ESP over the path MTU leaves in pieces
                rows = np.flatnonzero(esp_frames(v))
                more = pieces.cut(self, v, self.fns.mtu, self.counts, rows)
                if more is not None:
                    self._held.append(more)
        self._held_inside.extend(q.views[k:])
        return []

    def release(self, t1: int) -> None:
        pieces.give_up(self, t1, self.counts)
        if self.syn_hold is not None:  # answers whose hold ended in this quantum
            self._held.extend(self.syn_hold.due(self, t1))
        for held, port in ((self._held, self.outside), (self._held_inside, self.inside)):
            due, held[:] = self.split(held, t1)
            for v in due:
                self._send(v, port)
        self._q = Quantum([], [], [])

    def _send(self, batch: PacketBatch, port: Port) -> None:
        live = batch.verdict[: batch.n] == 0
        if not live.any():
            return
        if port.out is None:
            raise RuntimeError(f"{port.name} has no .out to send packets to")
        self.stats.delivered += int(live.sum())
        self.stats.delivered_bytes += int(batch.length[: batch.n][live].sum())
        port.out.put(batch)

    def _nat_in_order(self, q: Quantum) -> list[NatNotes | None]:
        """The NAT on both ports' packets in one arrival order (an inbound packet sees the
        mappings as they were when it came), and its SYN hold; what it noted of each view."""
        ways = [self.fns.nat_ways(v, side) for v, side in zip(q.views, q.sides, strict=True)]
        use = [j for j, w in enumerate(ways) if (w >= 0).any()]

        def run(b: PacketBatch, way: np.ndarray) -> NatNotes:
            return self.apply_one(b, lambda v, c: self.fns.translate(v, c, way), self.counts)

        notes = self._heads.apply([q.views[j] for j in use], run, NatNotes.take,
                                  [ways[j] for j in use])  # fmt: skip
        if self.syn_hold is not None:
            self.syn_hold.quantum([(q.views[j], q.sides[j] == OUTSIDE, ways[j]) for j in use])
        found = dict(zip(use, notes, strict=True))
        return [found.get(j) for j in range(len(q.views))]

    # -- tunnels during a takeover -------------------------------------------------------------

    def tunnels_down(self, lo_ns: int, hi_ns: int) -> None:
        """No IPsec SA exists in [lo, hi) (they are being negotiated): tunnel packets are
        dropped with GATEWAY_FAILOVER; the other functions carry on."""
        self._no_tunnels.append((int(lo_ns), int(hi_ns)))

    def _service_ns(self, v: PacketBatch, rows: np.ndarray, side: int,
                    note: NatNotes | None) -> np.ndarray:  # fmt: skip
        opened = None if note is None else note.opened[rows]
        return self.fns.cost_ns(v, rows, side, opened, self.costs, self.clock_hz, self._one_fn)

    # -- figures and timers ---------------------------------------------------------------------

    def extra(self, duration_ns: int) -> dict[str, object]:
        out = {**super().extra(duration_ns), "mode": self.mode}
        if self.nat is not None:
            out.update(nat_figures(self.nat, self.sim.now_ns))
        if self.syn_hold is not None:
            out.update(self.syn_hold.figures())
        if self.limits is not None:
            out.update(self.limits.figures(duration_ns))
        return out

    def nat_rows(self) -> list[dict[str, object]]:
        return [] if self.nat is None else nat_rows(self.nat, self.name, self.sim.now_ns)


def _check(name: str, every: set[str], nat, sas, routes, dispatch: str) -> None:
    """What the functions of a gateway need of its configuration."""
    if not every <= set(MODES):
        raise ValueError(f"{name}: modes must be among {MODES}, got {sorted(every)}")
    if "nat" in every and nat is None:
        raise ValueError(f"{name}: mode 'nat' needs a NatTable")
    if "esp" in every and (sas is None or routes is None):
        raise ValueError(f"{name}: mode 'esp' needs sas and routes")
    if "esp" in every and dispatch == SHARED:
        raise ValueError(f"{name}: an IPsec tunnel runs on one vCPU; use dispatch='pinned'")
