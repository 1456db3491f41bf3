"""Writes docs/benchmarks/README.md and ratios.png from criterion's JSON (see bench_report)."""

import json
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

criterion_dir, meta_file, out_dir, repeats_dir = (Path(arg) for arg in sys.argv[1:5])
SIZES = ["10", "100", "1000", "5000"]
OPS = ["insert", "get", "query", "iterate", "remove"]
OP_NAMES = {
    "insert": "insert",
    "get": "get by primary key",
    "query": "query by secondary key",
    "iterate": "iterate",
    "remove": "remove",
}

def load_times(directory):
    """(group, function, value) -> median time of one iteration, in nanoseconds."""
    found = {}
    for bench in directory.glob("**/new/benchmark.json"):
        info = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        key = (info["group_id"], info["function_id"] or "", info["value_str"] or "")
        found[key] = estimates["median"]["point_estimate"]
    return found


times = load_times(criterion_dir)
# The targets' benchmarks of every run (see bench_report): 0 is the main run, then the repeats.
repeats = [load_times(d) for d in sorted(repeats_dir.glob("*")) if d.is_dir()]

meta = {}
if meta_file.exists():
    for line in meta_file.read_text().splitlines():
        name, _, value = line.partition("=")
        meta[name] = value


def t(group, function, size=""):
    return times.get((group, function, size))


def ratio(group, ours, base, size="", run=None):
    run = times if run is None else run
    a, b = run.get((group, ours, size)), run.get((group, base, size))
    return a / b if a is not None and b else None


def repeated_ratio(group, ours, base, size=""):
    """The median of the ratio over the main run and the repeats, with its range and the
    number of runs; the criterion directory's run alone when there are no snapshots."""
    found = sorted(
        r for r in (ratio(group, ours, base, size, run) for run in repeats) if r is not None
    )
    if not found:
        return ratio(group, ours, base, size), None
    return statistics.median(found), (found[0], found[-1], len(found))


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}"


def fmt_time(ns):
    if ns is None:
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


# The raw mode each wrapper mode is compared with.
RAW_MODE = {"loop": "loop", "bulk": "bulk", "txn": "bulk"}

lines = []
add = lines.append

# ------------------------------------------------------------------------------------------ targets
checks = []


def check(name, value, spread, limit, higher_is_better=False):
    if value is None:
        checks.append((name, "–", limit, "not measured"))
        return None
    met = value >= limit if higher_is_better else value <= limit
    bound = f"≥ {limit}" if higher_is_better else f"≤ {limit}"
    # Three decimals where two would show the bound itself and hide the verdict.
    shown = f"{value:.3f}" if round(value, 2) == limit else f"{value:.2f}"
    if spread is not None:
        low, high, runs = spread
        shown += f" ({low:.2f}–{high:.2f}, {runs} runs)"
    checks.append((name, shown, bound, "met" if met else "**missed**"))
    return met


for engine in ("redb", "sled"):
    check(
        f"bulk insert of 1,000, {engine} (`put_many` / raw, one transaction)",
        *repeated_ratio("insert", f"{engine}.netabase.bulk", f"{engine}.raw.bulk", "1000"),
        1.10,
    )
for engine in ("redb", "sled"):
    check(
        f"bulk get of 1,000, {engine} (`get_many` / raw, one read)",
        *repeated_ratio("get", f"{engine}.netabase.bulk", f"{engine}.raw.bulk", "1000"),
        1.15,
    )
for engine in ("redb", "sled"):
    for mode in ("bulk", "loop"):
        check(
            f"secondary query, 1,000 lookups, {engine}, {mode} / raw index",
            *repeated_ratio("query", f"{engine}.netabase.{mode}", f"{engine}.raw.{mode}", "1000"),
            1.2,
        )
for engine in ("redb", "sled"):
    check(
        f"auto-commit put, {engine}, no fsync (`put` per item / raw txn per item, 1,000)",
        *repeated_ratio("insert", f"{engine}.netabase.loop", f"{engine}.raw.loop", "1000"),
        1.05,
    )
    check(
        f"auto-commit put, {engine}, fsync on (one put / one raw durable txn)",
        *repeated_ratio("single_put_durable", f"{engine}.netabase", f"{engine}.raw"),
        1.05,
    )
for op in ("insert", "get", "query"):
    for mode in ("loop", "bulk"):
        check(
            f"{OP_NAMES[op]} of 1,000, {mode}: netabase / native_db (lower is faster)",
            *repeated_ratio(op, f"redb-mem.netabase.{mode}", f"redb-mem.native_db.{mode}", "1000"),
            1.0,
        )
for engine in ("sled", "redb"):
    # Throughput ratio: the MemoryStore network's time per put over ours.
    check(
        f"DHT put throughput, 5 nodes, netabase ({engine}) / MemoryStore",
        *repeated_ratio("dht_put_5_nodes", "kad-memorystore", f"netabase-{engine}"),
        0.8,
        higher_is_better=True,
    )

add("# Benchmarks")
add("")
add(
    "Generated by `scripts/bench_report` from criterion's JSON; do not edit by hand (the "
    "analysis at the end comes from `docs/benchmarks/notes.md`). Every figure is a ratio of "
    "medians measured in the same run; below 1 means netabase is faster."
)
if len(repeats) > 1:
    add("")
    add(
        f"Every target is the median of {len(repeats)} runs of its benchmarks (the main run and "
        f"{len(repeats) - 1} more, every other one with the targets in reverse order, since what "
        "ran just before moves a measurement), with the lowest and highest ratio; the tables "
        "below give the main run's figures."
    )
add("")
mode = meta.get("mode", "?")
add(
    f"* run: {mode} mode, started {meta.get('started', '?')}, commit `{meta.get('commit', '?')}`, "
    f"{meta.get('rustc', '?')}"
)
add(f"* machine: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores")
if meta.get("incomplete", "").strip():
    add(f"* **incomplete**: {meta['incomplete'].strip()} did not finish (failed or timed out)")
add(
    f"* 1-minute load average: {meta.get('load_before', '?')} before, "
    f"{meta.get('load_middle', '?')} between the two benchmarks, {meta.get('load_after', '?')} after"
)
add(
    "* durability: every store in `cross_store_comparison` runs without fsync per commit, "
    "except `single_put_durable` (fsync on both sides). netabase: `use_fsync(false)` with the "
    "default `flush_interval` (500 ms: sled's background flush; for redb, one durable commit "
    "per interval, which bounds redb's memory for non-durable commits); raw redb: "
    "`Durability::None` and the same one durable commit per 500 ms; raw sled: sled's "
    "background flush every 500 ms"
)
add(
    "* native_db: redb's in-memory backend on both sides. native_db commits every write with "
    "`Durability::Immediate` (it has no other setting); netabase's `RedbStore::temp()` commits "
    "with `Durability::None` and one durable commit per 500 ms, since nothing in memory can be "
    "durable: the same guarantees, less work per commit"
)
add(
    "* raw baselines: the engine with a hand-written index (primary table `id → bincode(User)`, "
    "index `email ‖ 0 ‖ id`), reading the previous value on insert and moving its index entry, "
    "one transaction per item (`loop`) or per bulk (`bulk`), same cache size and codec; a loop "
    "of inserts drops each user after its put, as `put(user)` does"
)
add(
    "* resets between measurements (untimed): redb and memory stores are cleared; the sled "
    "targets, raw and wrapped, get a new database each time (clearing thousands of sled "
    "entries queues a file truncation that deadlocks sled 0.34 on the next growth of the file)"
)
add("* model: `User { id: u64 (primary), email: String (secondary), name: String, age: u32 }`")
add("")
add("## Targets")
add("")
add("| target | measured | bound | |")
add("|---|---|---|---|")
for name, value, bound, verdict in checks:
    add(f"| {name} | {value} | {bound} | {verdict} |")
add("")

# ---------------------------------------------------------------------------------- wrapper / raw
add("## netabase / raw engine")
add("")
add(
    "`loop`: one auto-commit call per item against one raw transaction per item; `bulk`: "
    "`put_many` / `get_many` / `get_many_by_secondary_keys` / `iter` / a batch of removes against "
    "one raw transaction; `txn`: one explicit transaction with one call per item "
    "(`store.write()` / `store.read()`, or `begin_write` / `begin_read` for zero-copy) against "
    "one raw transaction. `redb-zerocopy` is compared with raw redb; its `loop` is `quick_*`."
)
for engine, raw in (("redb", "redb"), ("redb-zerocopy", "redb"), ("sled", "sled")):
    add("")
    add(f"### {engine} / raw {raw}")
    add("")
    add("| operation | mode | " + " | ".join(f"{s} items" for s in SIZES) + " |")
    add("|---|---|" + "---|" * len(SIZES))
    for op in OPS:
        for mode in ("loop", "bulk", "txn"):
            if op == "iterate" and mode == "loop":
                continue
            base = f"{raw}.raw.{RAW_MODE[mode]}"
            cells = [fmt_ratio(ratio(op, f"{engine}.netabase.{mode}", base, s)) for s in SIZES]
            if all(c == "–" for c in cells):
                continue
            add(f"| {OP_NAMES[op]} | {mode} | " + " | ".join(cells) + " |")

add("")
add("### fsync on: one put per iteration")
add("")
add("| engine | raw | netabase | netabase / raw |")
add("|---|---|---|---|")
for engine in ("redb", "sled"):
    raw_t = t("single_put_durable", f"{engine}.raw")
    ours = t("single_put_durable", f"{engine}.netabase")
    add(
        f"| {engine} | {fmt_time(raw_t)} | {fmt_time(ours)} | "
        f"{fmt_ratio(ratio('single_put_durable', f'{engine}.netabase', f'{engine}.raw'))} |"
    )

# ------------------------------------------------------------------------------- native_db
add("")
add("## netabase / native_db")
add("")
add(
    "native_db 0.8 (native_model 0.4, its own redb 2.x) against `NetabaseStore` on "
    "`RedbStore::temp()` (redb 4, in-memory backend): the same engine family and backend, and "
    "the same guarantees (nothing survives the process); native_db commits each write durably "
    "within that memory, netabase does not (see the durability note above). native_db's insert is `insert` (it fails on an existing key, so it need not "
    "read the previous value; netabase's `put` overwrites and moves index entries); its remove "
    "reads the model first (it removes by model, not by key); its secondary query is a range "
    "scan of the secondary key."
)
add("")
add("| operation | mode | " + " | ".join(f"{s} items" for s in SIZES) + " |")
add("|---|---|" + "---|" * len(SIZES))
for op in OPS:
    for mode in ("loop", "bulk"):
        if op == "iterate" and mode == "loop":
            continue
        cells = [
            fmt_ratio(ratio(op, f"redb-mem.netabase.{mode}", f"redb-mem.native_db.{mode}", s))
            for s in SIZES
        ]
        add(f"| {OP_NAMES[op]} | {mode} | " + " | ".join(cells) + " |")

# ------------------------------------------------------------------------------------ absolute
add("")
add("## Time per item at 1,000 items")
add("")
targets = [
    "redb.raw",
    "redb.netabase",
    "redb-zerocopy.netabase",
    "sled.raw",
    "sled.netabase",
    "memory.netabase",
    "redb-mem.netabase",
    "redb-mem.native_db",
]
add("| operation | mode | " + " | ".join(f"`{x}`" for x in targets) + " |")
add("|---|---|" + "---|" * len(targets))
for op in OPS:
    for mode in ("loop", "bulk", "txn"):
        cells = []
        for target in targets:
            value = t(op, f"{target}.{mode}", "1000")
            cells.append(fmt_time(value / 1000) if value else "–")
        if all(c == "–" for c in cells):
            continue
        add(f"| {OP_NAMES[op]} | {mode} | " + " | ".join(cells) + " |")

# ----------------------------------------------------------------------------------------- DHT
add("")
add("## DHT: netabase node / plain swarms with kad's MemoryStore")
add("")
add(
    "Loopback networks (TCP, noise, yamux, mDNS off, full mesh by `add_address`), the node's "
    "Kademlia settings on both sides, stores without fsync. Put throughput is 10 concurrent "
    "`put_record`s from one node per iteration; get latency is one `get_record` on node B of a "
    "record B does not hold. A throughput ratio above 1 or a latency ratio below 1 favours "
    "netabase."
)
add("")
add("| benchmark | MemoryStore | netabase (sled) | netabase (redb) | netabase (memory) | ratio (sled) | ratio (redb) |")
add("|---|---|---|---|---|---|---|")
dht = [
    ("dht_put_5_nodes", "put throughput, 5 nodes (per put)", True),
    ("dht_get_5_nodes", "get latency, 5 nodes", False),
    ("dht_get_10_nodes", "get latency, 10 nodes", False),
    ("dht_put_then_get", "put on A, then get on B, 5 nodes", False),
    ("dht_local_put", "put_record on a node without peers", False),
]
dht_ratios = []
for group, name, throughput in dht:
    base = t(group, "kad-memorystore")
    per = 10 if group == "dht_put_5_nodes" else 1
    cells = [fmt_time(base / per) if base else "–"]
    for engine in ("sled", "redb", "memory"):
        v = t(group, f"netabase-{engine}")
        cells.append(fmt_time(v / per) if v else "–")
    for engine in ("sled", "redb"):
        v = t(group, f"netabase-{engine}")
        if v and base:
            r = base / v if throughput else v / base
            cells.append(f"{r:.2f}" + (" (throughput)" if throughput else " (time)"))
            dht_ratios.append((f"{name} ({engine})", base / v))
        else:
            cells.append("–")
    add(f"| {name} | " + " | ".join(cells) + " |")

add("")
add("### The record store alone")
add("")
add(
    "`RecordStore::put` of one new record straight on the store, no node and no network "
    "(`record_store_put`): what each record stored costs. kad's `MemoryStore` inserts into a "
    "`HashMap`; netabase validates the record, then writes the DHT entry, its counter, the model "
    "and its index in one transaction (fsync off)."
)
add("")
add("| store | time per record | / MemoryStore |")
add("|---|---|---|")
store_base = t("record_store_put", "kad-memorystore")
for store in ("kad-memorystore", "netabase-memory", "netabase-sled", "netabase-redb"):
    v = t("record_store_put", store)
    if v:
        r = f"{v / store_base:.1f}" if store_base else "–"
        add(f"| {store} | {fmt_time(v)} | {r} |")

notes = out_dir / "notes.md"
if notes.exists():
    add("")
    add(notes.read_text().rstrip())
add("")
(out_dir / "README.md").write_text("\n".join(lines))

# --------------------------------------------------------------------------------------- chart
fig, axes = plt.subplots(3, 1, figsize=(13, 15))

ax = axes[0]
labels, values = [], []
for engine, raw in (("redb", "redb"), ("redb-zerocopy", "redb"), ("sled", "sled")):
    for op in OPS:
        for mode in ("loop", "bulk", "txn"):
            r = ratio(op, f"{engine}.netabase.{mode}", f"{raw}.raw.{RAW_MODE[mode]}", "1000")
            if r is not None and not (op == "iterate" and mode == "loop"):
                labels.append(f"{engine} {op} {mode}")
                values.append(r)
colors = ["#2a7" if v <= 1.1 else ("#e90" if v <= 1.5 else "#c33") for v in values]
ax.bar(range(len(values)), values, color=colors)
ax.axhline(1.0, color="black", linewidth=0.8)
ax.set_xticks(range(len(values)), labels, rotation=90, fontsize=7)
ax.set_ylabel("netabase / raw (time)")
ax.set_title("netabase / raw engine with a hand-written index, 1,000 items (lower is better)")

ax = axes[1]
labels, values = [], []
for op in OPS:
    for mode in ("loop", "bulk"):
        r = ratio(op, f"redb-mem.netabase.{mode}", f"redb-mem.native_db.{mode}", "1000")
        if r is not None:
            labels.append(f"{op} {mode}")
            values.append(r)
ax.bar(range(len(values)), values, color=["#2a7" if v < 1 else "#c33" for v in values])
ax.axhline(1.0, color="black", linewidth=0.8)
ax.set_xticks(range(len(values)), labels, rotation=45, fontsize=8)
ax.set_ylabel("netabase / native_db (time)")
ax.set_title("netabase / native_db, 1,000 items, redb in memory on both (lower is better)")

ax = axes[2]
labels = [name for name, _ in dht_ratios]
values = [r for _, r in dht_ratios]
ax.bar(range(len(values)), values, color=["#2a7" if v >= 0.8 else "#c33" for v in values])
ax.axhline(1.0, color="black", linewidth=0.8)
ax.axhline(0.8, color="grey", linewidth=0.8, linestyle="--")
ax.set_xticks(range(len(values)), labels, rotation=30, fontsize=8, ha="right")
ax.set_ylabel("MemoryStore time / netabase time")
ax.set_title("DHT: speed of the netabase node relative to kad's MemoryStore (higher is better)")

fig.suptitle(f"netabase benchmark ratios ({mode} mode, load {meta.get('load_before', '?')})")
fig.tight_layout()
fig.savefig(out_dir / "ratios.png", dpi=90)
