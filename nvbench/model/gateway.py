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

The functions run as packets arrive, before the queue decides who fits. A NAT mapping
opened by a packet the full queue then drops is undone at once (a real gateway drops
first), unless a packet the queue took used it too.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from nvbench.fastpath import esp
from nvbench.fastpath import nat as nat_kernels
from nvbench.fastpath.esp import SaTable
from nvbench.fastpath.gather import copy_back_heads, copy_packets, heads_batch
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.scan import count_ok, ipv4_dst
from nvbench.fastpath.timing import is_sorted
from nvbench.fastpath.verdict import BUFFER_FULL, GATEWAY_FAILOVER, MOVED, new_counts
from nvbench.model.costs import Profile
from nvbench.model.element import Element
from nvbench.model.station import PINNED, SHARED, Station
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import IPPROTO_ESP, IPPROTO_UDP, NAT_T_PORT

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

MODES = ("forward", "nat", "esp")  # the functions (nvbench.patterns.table)
INSIDE, OUTSIDE = 0, 1


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


FORWARD, NAT, ESP = 0, 1, 2
CODE = {"forward": FORWARD, "nat": NAT, "esp": ESP}
SKIP = 254  # a row hidden from a kernel for the moment (another tenant's function)
# What the NAT and forwarding functions read of a packet besides its header bytes.
HEAD_COLUMNS = ("offset", "length", "time", "rd", "verdict")


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
        For ``mode="nat"``.
    sas : SaTable, tunnel_sa, suite
        For mode "esp" (S2S and remote-access tunnels): the SAs, the outbound SA of
        each tenant (``tunnel_sa[rd]``, -1
        for none) and the cipher suite for costs.
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
        tunnel_sa: np.ndarray | None = None,
        suite: str = "aes-gcm-128",
        dispatch: str = PINNED,
        nat_sweep_ns: int = 1_000_000_000,
        modes: dict[int, str] | None = None,
    ) -> None:
        every = {mode, *(modes or {}).values()}
        if not every <= set(MODES):
            raise ValueError(f"{name}: modes must be among {MODES}, got {sorted(every)}")
        if "nat" in every and nat is None:
            raise ValueError(f"{name}: mode 'nat' needs a NatTable")
        esp_modes = every & {"esp"}
        if esp_modes and (sas is None or tunnel_sa is None):
            raise ValueError(f"{name}: mode {sorted(esp_modes)[0]!r} needs sas and tunnel_sa")
        if esp_modes and dispatch == SHARED:
            raise ValueError(f"{name}: an IPsec tunnel runs on one vCPU; use dispatch='pinned'")
        super().__init__(sim, name, servers=vcpus, cap_pkts=queue_pkts, dispatch=dispatch)
        self.mode, self.costs, self.clock_hz, self.suite = mode, costs, clock_hz, suite
        self._fn = np.full(sim.max_tenants, CODE[mode], np.int8)
        for rd, m in (modes or {}).items():
            self._fn[rd] = CODE[m]
        self.nat, self.sas, self.tunnel_sa = nat, sas, tunnel_sa
        self.counts = new_counts()
        self.inside = Port(sim, f"{name}.inside", self, INSIDE)
        self.outside = Port(sim, f"{name}.outside", self, OUTSIDE)
        self._inbox_outside: list[PacketBatch] = []
        self._held_inside: list[PacketBatch] = []
        self.expired = 0
        self.nat_unopened = 0  # mappings undone: their packet was dropped by the full queue
        self._no_tunnels: list[tuple[int, int]] = []
        if nat is not None:
            sim.env.process(self._expiry(nat_sweep_ns))
        self._hairpin: dict[int, np.ndarray] = {}  # by id(view): rows headed for our own address
        # by id(view): the NAT mapping each packet used, and whether it opened it
        self._nat_track: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._side: dict[int, int] = {}  # by id(view): the port it came in
        # ESP encrypts whole payloads, so a gateway with tunnels merges whole frames to
        # keep arrival order; NAT and forwarding need only the headers (_apply_in_order).
        self._whole_frames = sas is not None
        # The one function of every tenant (not ESP), if there is one: the hot path then
        # needs no per-packet function codes.
        self._one_fn = CODE[mode] if len(every) == 1 and not esp_modes else None
        self._heads: PacketBatch | None = None  # kept: reused every quantum, stays in cache

    # -- wiring and events ------------------------------------------------------------------

    def successors(self) -> list[Element]:
        return [p.out for p in (self.inside, self.outside) if p.out is not None]

    def accept(self, batch: PacketBatch, side: int) -> None:
        before = self.stats.offered
        Element.put(self, batch)
        if side == OUTSIDE and self.stats.offered != before:
            self._inbox_outside.append(self._inbox.pop())

    # -- the quantum ------------------------------------------------------------------------

    def tick(self, t0: int, t1: int) -> None:
        inside, self._inbox = self.split(self._inbox, t1)
        outside, self._inbox_outside = self.split(self._inbox_outside, t1)
        if self._whole_frames:
            inside, outside = self._in_time_order(inside), self._in_time_order(outside)
        if inside or outside:
            self._drop_while_down(inside + outside)
            self._side = {id(v): INSIDE for v in inside} | {id(v): OUTSIDE for v in outside}
            self._drop_while_no_tunnels(inside, outside)
            self._apply_in_order(inside, self._outbound, INSIDE)
            self._apply_in_order(outside, self._inbound, OUTSIDE)
            views = inside + outside
            timed = self.serve(views)
            self._unopen_dropped(inside)
            if timed is not None:
                self._emit(views, len(inside), *timed)
            # Keyed by id(view): a later view may reuse the id of one of these.
            self._hairpin.clear()
            self._nat_track.clear()
        due, self._held = self.split(self._held, t1)
        for v in due:
            self._send_side(v, OUTSIDE)
        due, self._held_inside = self.split(self._held_inside, t1)
        for v in due:
            self._send_side(v, INSIDE)

    def tunnels_down(self, lo_ns: int, hi_ns: int) -> None:
        """No IPsec SA exists in [lo, hi) (they are being negotiated): tunnel packets are
        dropped with GATEWAY_FAILOVER; the other functions carry on."""
        self._no_tunnels.append((int(lo_ns), int(hi_ns)))

    def _drop_while_no_tunnels(self, inside, outside) -> None:
        for lo, hi in self._no_tunnels:
            for side, views in ((INSIDE, inside), (OUTSIDE, outside)):
                for v in views:
                    self._drop_tunnel_packets(v, side, lo, hi)

    def _drop_tunnel_packets(self, v: PacketBatch, side: int, lo: int, hi: int) -> None:
        rows = np.flatnonzero(v.verdict[: v.n] == 0)
        t = v.time[rows]
        tunnel = self.functions(v, rows) == ESP if side == INSIDE else _esp_frames(v)[rows]
        gone = rows[tunnel & (t >= lo) & (t < hi)]
        if gone.shape[0]:
            v.verdict[gone] = GATEWAY_FAILOVER
            self.dropped(v, gone)

    def _in_time_order(self, views: list[PacketBatch]) -> list[PacketBatch]:
        """One batch in arrival order when the views interleave in time (ESP gateways).

        The functions run when packets arrive, and their order matters: ESP numbers its
        packets in sequence (a peer's 64-packet replay window drops what comes too far out
        of order [RFC 4303]). ESP encrypts the whole payload, so interleaved inputs
        (several hosts' traffic) are merged by a copy of the frames first.
        """
        live, rows, pos = _arrival_order(views)
        if pos is None:
            return live
        out = self.sim.new_batch(pos.shape[0])
        start = 0
        for v, r in zip(live, rows, strict=True):
            copy_packets(v, r, out, pos[start : start + r.shape[0]])
            v.verdict[r] = MOVED
            start += r.shape[0]
        out.n = pos.shape[0]
        return [out]

    def _apply_in_order(self, views: list[PacketBatch], fn, side: int) -> None:
        """Run kernel wrapper ``fn`` on the live packets of ``views`` in arrival order.

        The NAT hands out ports and refreshes its timers in arrival order. When the views
        interleave in time (several hosts' traffic), ``fn`` runs on copies of the packets'
        first ``nat.SPAN`` bytes (all a NAT or forwarding kernel touches), merged in time
        order; the headers, verdicts and tenants then go back to the views. The payloads
        stay where they are.
        """
        live, rows, pos = _arrival_order(views) if not self._whole_frames else (views, [], None)
        if pos is None:
            self.apply(live, fn, self.counts)
            return
        top = max(int(v.offset[r].max()) for v, r in zip(live, rows, strict=True) if r.shape[0])
        heads = self._heads = heads_batch(self._heads, pos.shape[0], top, nat_kernels.SPAN)
        parts, start = [], 0
        for v, r in zip(live, rows, strict=True):
            parts.append(pos[start : start + r.shape[0]])
            copy_packets(v, r, heads, parts[-1], span=nat_kernels.SPAN, columns=HEAD_COLUMNS)
            start += r.shape[0]
        heads.n = pos.shape[0]
        self._side[id(heads)] = side
        self.apply([heads], fn, self.counts)  # books the drops, by the copied tenant
        for v, r, p in zip(live, rows, parts, strict=True):
            copy_back_heads(heads, p, v, r, nat_kernels.SPAN)
            self._adopt(heads, v, r, p)
        for book in (self._hairpin, self._nat_track, self._side):
            book.pop(id(heads), None)

    def _adopt(self, heads: PacketBatch, v: PacketBatch, r: np.ndarray, p: np.ndarray) -> None:
        """Move what the function noted of rows ``p`` of ``heads`` to rows ``r`` of ``v``."""
        mask = self._hairpin.get(id(heads))
        if mask is not None:
            mine = np.zeros(v.n, np.bool_)
            mine[r] = mask[p]
            self._hairpin[id(v)] = mine
        track = self._nat_track.get(id(heads))
        if track is not None:
            session, opened = np.full(v.n, -1, np.int64), np.zeros(v.n, np.bool_)
            session[r], opened[r] = track[0][p], track[1][p]
            self._nat_track[id(v)] = (session, opened)

    def _emit(self, views, n_inside, rows, d, order) -> None:
        """Hold each view for the port it leaves by; NAT hairpins are copied out to go
        back inside, their rows left as MOVED husks."""
        for k, v in enumerate(views):
            if k >= n_inside:
                self._held_inside.append(v)
                continue
            mask = self._hairpin.pop(id(v), None)
            if mask is None:
                self._held.append(v)
                continue
            hairpin = np.flatnonzero(mask & (v.verdict[: v.n] == 0))
            if hairpin.shape[0]:
                out = self.sim.new_batch(hairpin.shape[0])
                copy_packets(v, hairpin, out, np.arange(hairpin.shape[0]))
                out.n = hairpin.shape[0]
                v.verdict[hairpin] = MOVED
                self._held_inside.append(out)
            self._held.append(v)

    def _send_side(self, batch: PacketBatch, side: int) -> None:
        port = self.inside if side == INSIDE else self.outside
        live = batch.verdict[: batch.n] == 0
        if not live.any():
            return
        if port.out is None:
            raise RuntimeError(f"{port.name} has no .out to send packets to")
        self.stats.delivered += int(live.sum())
        self.stats.delivered_bytes += int(batch.length[: batch.n][live].sum())
        port.out.put(batch)

    def held_views(self) -> list[PacketBatch]:
        return [*super().held_views(), *self._inbox_outside, *self._held_inside]

    # -- the function -----------------------------------------------------------------------

    def _outbound(self, v: PacketBatch, counts: np.ndarray) -> None:
        fn = self._fn[np.clip(v.rd[: v.n], 0, self._fn.shape[0] - 1)]
        if fn.min() == fn.max():
            self._outbound_all(v, int(fn[0]), counts)
            return
        for code in np.unique(fn).tolist():
            _only(v, fn == code, lambda b, c, code=code: self._outbound_all(b, code, c), counts)

    def _outbound_all(self, v: PacketBatch, code: int, counts: np.ndarray) -> None:
        if code == NAT:
            assert self.nat is not None
            self._hairpin_dst(v)
            session, opened = np.full(v.n, -1, np.int64), np.zeros(v.n, np.bool_)
            self.nat.outbound(v, counts, session, opened)
            self._nat_track[id(v)] = (session, opened)
        elif code == ESP:
            assert self.sas is not None and self.tunnel_sa is not None
            live = v.verdict[: v.n] == 0
            v.sa[: v.n][live] = self.tunnel_sa[v.rd[: v.n][live]]
            esp.encapsulate(v, self.sas, counts, mtu=9000)

    def _inbound(self, v: PacketBatch, counts: np.ndarray) -> None:
        """ESP by its protocol (50, or NAT-T on UDP 4500); the rest by the tenant's function."""
        is_esp = _esp_frames(v)
        if is_esp.any():
            assert self.sas is not None
            _only(v, is_esp, lambda b, c: esp.decapsulate(b, self.sas, c), counts)
        if self.nat is not None:
            fn = self._fn[np.clip(v.rd[: v.n], 0, self._fn.shape[0] - 1)]
            nat = ~is_esp & (fn == NAT)
            if nat.any():
                _only(v, nat, self.nat.inbound, counts)

    def _unopen_dropped(self, inside: list[PacketBatch]) -> None:
        """Undo the NAT mappings opened by packets the full queue then dropped.

        The NAT runs as packets arrive, before the queue decides; a real gateway drops on a
        full queue first, so those packets never opened anything. A mapping stays when a
        packet the queue took used it too.
        """
        if self.nat is None or not self._nat_track:
            return
        dropped, kept = [], []
        for v in inside:
            track = self._nat_track.get(id(v))
            if track is None:
                continue
            session, opened = track
            full = v.verdict[: v.n] == BUFFER_FULL
            if not (full & opened).any():
                continue
            dropped.append(session[full & opened])
            kept.append(session[~full & (session >= 0)])
        if not dropped:
            return
        kept = [k for k in kept if k.shape[0]] or [np.zeros(0, np.int64)]
        undo = np.setdiff1d(np.concatenate(dropped), np.concatenate(kept))
        if undo.shape[0]:
            self.nat_unopened += self.nat.unopen(undo)

    def _hairpin_dst(self, v: PacketBatch) -> None:
        """Remember which packets head for one of the NAT's own public addresses."""
        assert self.nat is not None
        dst = np.empty(v.n, np.int64)
        ipv4_dst(v.buf, v.offset, v.verdict, v.n, dst)
        self._hairpin[id(v)] = self.nat.addr.find(dst) >= 0

    def functions(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        """The function code of each packet (FORWARD, NAT or ESP)."""
        if self.sas is not None and self._side.get(id(batch), INSIDE) == OUTSIDE:
            return np.where(batch.sa[rows] >= 0, ESP, self._fn[batch.rd[rows]])
        return self._fn[np.clip(batch.rd[rows], 0, self._fn.shape[0] - 1)]

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        nbytes = batch.length[rows]
        side = "encap" if self._side.get(id(batch), INSIDE) == INSIDE else "decap"
        names = {FORWARD: "forward", NAT: "nat_existing", ESP: f"esp_{side}:{self.suite}"}
        if self._one_fn is not None:
            ns = self.costs.service_ns(names[self._one_fn], nbytes, self.clock_hz)
        else:
            code = self.functions(batch, rows)
            ns = np.zeros(rows.shape[0], np.int64)
            for c, fname in names.items():
                mine = code == c
                if mine.any():
                    ns[mine] = self.costs.service_ns(fname, nbytes[mine], self.clock_hz)
        track = self._nat_track.get(id(batch))
        if track is not None:  # a packet that opened a NAT mapping costs nat_new
            new = track[1][rows]
            if new.any():
                ns[new] = self.costs.service_ns("nat_new", nbytes[new], self.clock_hz)
        return ns

    def server_of(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        """RSS: a tunnel's packets to the SA's vCPU, the others by flow [S23][S34]."""
        if self._one_fn is not None:  # no tunnels
            return batch.flow[rows] % self.servers
        tunnel = self.functions(batch, rows) == ESP
        return np.where(tunnel, np.maximum(batch.sa[rows], 0), batch.flow[rows]) % self.servers

    def extra(self, duration_ns: int) -> dict[str, object]:
        out = {**super().extra(duration_ns), "mode": self.mode}
        if self.nat is not None:
            out["nat_sessions"] = self.nat.active()
            out["nat_sessions_created"] = int(self.nat.stats[nat_kernels.ST_CREATED])
            out["nat_sessions_expired"] = int(self.nat.stats[nat_kernels.ST_EXPIRED])
            ports = [self.nat.ports_in_use(a) for a in self.nat.addresses()]
            out["nat_public_addresses"] = len(ports)
            out["nat_ports_in_use_max"] = max(ports, default=0)
        return out

    def nat_rows(self) -> list[dict[str, object]]:
        if self.nat is None:
            return []
        return [
            {"element": self.name, "public_address": _dotted(a),
             "ports_in_use": self.nat.ports_in_use(a)}
            for a in self.nat.addresses()
        ]  # fmt: skip

    def _expiry(self, every_ns: int) -> Generator[simpy.Event, None, None]:
        """The NAT's idle timer: a sweep every ``every_ns`` frees the expired mappings."""
        assert self.nat is not None
        while True:
            yield self.sim.env.timeout(every_ns)
            self.expired += self.nat.expire(int(self.sim.env.now))


def _only(v: PacketBatch, mask: np.ndarray, fn, counts: np.ndarray) -> None:
    """Run kernel wrapper ``fn(v, counts)`` on the live rows of ``mask`` only: the other live
    rows are hidden from it for the call (kernels skip any row whose verdict is not OK)."""
    hidden = np.flatnonzero(~mask & (v.verdict[: v.n] == 0))
    v.verdict[hidden] = SKIP
    fn(v, counts)
    v.verdict[hidden] = 0


def _arrival_order(views: list[PacketBatch]):
    """(live views, their live rows, each row's place in arrival order); the places are
    None when the views need no merging (fewer than two, or already in time order)."""
    live = [v for v in views if count_ok(v.verdict, v.n)]
    if len(live) < 2:
        return live, [], None
    rows = [np.flatnonzero(v.verdict[: v.n] == 0) for v in live]
    times = np.concatenate([v.time[r] for v, r in zip(live, rows, strict=True)])
    if is_sorted(times):
        return live, rows, None
    order = np.argsort(times, kind="stable")
    pos = np.empty_like(order)
    pos[order] = np.arange(order.shape[0])
    return live, rows, pos


def _esp_frames(v: PacketBatch) -> np.ndarray:
    """Which frames carry ESP: IPv4 protocol 50, or UDP to port 4500 (NAT-T) [S29]."""
    o = v.offset[: v.n].astype(np.int64)
    rows = np.arange(v.n)
    proto = v.buf[rows, o + 23]
    dport = (v.buf[rows, o + 36].astype(np.int64) << 8) | v.buf[rows, o + 37]
    return (proto == IPPROTO_ESP) | ((proto == IPPROTO_UDP) & (dport == NAT_T_PORT))


def _dotted(a: int) -> str:
    return ".".join(str((a >> s) & 0xFF) for s in (24, 16, 8, 0))
