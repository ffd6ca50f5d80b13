#!/usr/bin/env python3
"""Turns the benchmark results into a table, the target ratios and plots.

Reads, from the results folder (default build/release/bench-results):
  contention_bench.json   Google Benchmark JSON of bench/contention_bench
  latency.json            output of bench/latency_percentiles --json
  instructions.txt        instructions per pair (callgrind), one number
  rounds.json             output of scripts/ratio_rounds.py --json
  pair_cycles.json        output of bench/pair_cycles --json
  saturated_wait_bench.json  Google Benchmark JSON of
                          bench/saturated_wait_bench (waiting at full)
Each is optional. Prints the pairs/s table (work 50) and every target ratio
against its target, writes throughput.png, latency.png, stopterm.png and
wait.png (gnuplot) next to the inputs, and with --markdown FILE writes the same as Markdown (for
docs/benchmarks.md). Report only: it never fails on a missed target.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

JET = "jetsession_c_api"
PEERS = ["mutex_freelist", "boost_lockfree_stack", "tbb_concurrent_queue",
         "moodycamel_queue", "ck_stack", "counter_bitmap"]
SPREAD = "spread_bitmap"
ORDER = [JET, "jetsession_cpp_api", "jetsession_dup"] + PEERS + [SPREAD]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def runs(data):
    """The benchmark entries; of repeated runs, only the median (renamed as
    the benchmark itself)."""
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "iteration" and b.get("repetitions", 1) > 1:
            continue  # a repetition: its median stands for it
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
            b = dict(b, name=b["name"].rsplit("_median", 1)[0])
        yield b


def ring_results(data):
    """{(contender, work, threads): pairs per second}"""
    out = {}
    for b in runs(data):
        name = b.get("name", "")
        if not name.startswith("BM_Ring<") or "error_occurred" in b:
            continue
        work = int(re.search(r"/work:(\d+)", name).group(1))
        threads = int(re.search(r"threads:(\d+)", name).group(1))
        out[(b.get("label", name), work, threads)] = b["items_per_second"]
    return out


def ring_repetitions(data):
    """{(contender, work, threads): [pairs per second of each repetition]}
    (empty when the JSON kept only the aggregates)"""
    out = {}
    for b in data.get("benchmarks", []):
        name = b.get("name", "")
        if (b.get("run_type") != "iteration" or b.get("repetitions", 1) < 2
                or not name.startswith("BM_Ring<") or "error_occurred" in b):
            continue
        work = int(re.search(r"/work:(\d+)", name).group(1))
        threads = int(re.search(r"threads:(\d+)", name).group(1))
        out.setdefault((b.get("label", name), work, threads),
                       {})[b.get("repetition_index", 0)] = b["items_per_second"]
    return out


def named(data, prefix):
    return {b["name"]: b for b in runs(data) if b["name"].startswith(prefix)}


def fmt_rate(x):
    return f"{x / 1e6:.1f} M/s" if x >= 1e6 else f"{x / 1e3:.0f} k/s"


PATTERNS = {0: "empty", 1: "packed", 2: "spread", 3: "tail"}


def fill_patterns(path):
    """{(contender, pattern, threads): [pairs/s of each repetition]} from
    fill_pattern_bench's JSON (its individual runs, not the aggregates)."""
    out = {}
    if not os.path.exists(path):
        return out
    for b in load(path).get("benchmarks", []):
        if b.get("run_type") != "iteration" or "error_occurred" in b:
            continue
        name = b["name"]
        pattern = int(re.search(r"/pattern:(\d+)", name).group(1))
        threads = int(re.search(r"threads:(\d+)", name).group(1))
        out.setdefault((b.get("label", name), pattern, threads),
                       []).append(b["items_per_second"])
    return out


def fill_ratios(fills):
    """{(contender, pattern, threads): (min, median) of each repetition's
    pairs/s over the median pairs/s of the empty pool, same threads}"""
    out = {}
    for (c, pattern, threads), rates in fills.items():
        empty = fills.get((c, 0, threads))
        if pattern == 0 or not empty:
            continue
        base = statistics.median(empty)
        ratios = [r / base for r in rates]
        out[(c, pattern, threads)] = (min(ratios), statistics.median(ratios))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="build/release/bench-results")
    parser.add_argument("--markdown", help="write the report as Markdown")
    args = parser.parse_args()

    contention_path = os.path.join(args.results, "contention_bench.json")
    contention = (load(contention_path) if os.path.exists(contention_path)
                  else {})
    ring = ring_results(contention)
    context = contention.get("context", {})
    lines = []

    def out(text=""):
        print(text)
        lines.append(text)

    threads_all = sorted({t for (_, w, t) in ring if w == 50})
    contenders = [c for c in ORDER if any((c, 50, t) in ring
                                          for t in threads_all)]
    if ring:
        out("### Begin+End pairs/s, work 50, ring of 4, capacity 30000")
        out()
        out("| contender | " + " | ".join(f"{t} thr" for t in threads_all) +
            " |")
        out("|---|" + "---:|" * len(threads_all))
        for c in contenders:
            cells = [fmt_rate(ring[(c, 50, t)]) if (c, 50, t) in ring else ""
                     for t in threads_all]
            out(f"| {c} | " + " | ".join(cells) + " |")
        out()

    def best_peer(threads):
        return max((ring[(p, 50, threads)], p) for p in PEERS
                   if (p, 50, threads) in ring)

    checks = []

    def check(label, value, target, fmt="{:.2f}x", higher=True):
        ok = value >= target if higher else value <= target
        checks.append((label, fmt.format(value), fmt.format(target),
                       "met" if ok else "MISSED"))

    if (JET, 50, 2) in ring:
        best, who = best_peer(2)
        check(f"2 threads: jetsession / best bare peer ({who})",
              ring[(JET, 50, 2)] / best, 2.0)
        if (SPREAD, 50, 2) in ring:
            check("2 threads: jetsession / spread bitmap",
                  ring[(JET, 50, 2)] / ring[(SPREAD, 50, 2)], 0.5)
    reps = ring_repetitions(contention)
    if (JET, 50, 2) in reps:
        worst = []
        for i, rate in reps[(JET, 50, 2)].items():
            peers = [reps[(p, 50, 2)][i] for p in PEERS
                     if i in reps.get((p, 50, 2), {})]
            if peers:
                worst.append(rate / max(peers))
        if worst:
            check(f"2 threads: jetsession / best exact peer, worst of "
                  f"{len(worst)} repetitions", min(worst), 2.0)
    if (JET, 50, 1) in ring:
        best, who = best_peer(1)
        check(f"1 thread: jetsession / best bare peer ({who}), medians",
              ring[(JET, 50, 1)] / best, 0.8)
    rounds_path = os.path.join(args.results, "rounds.json")
    if os.path.exists(rounds_path):
        r = load(rounds_path)
        check(f"1 thread, median of {r['rounds']} paired rounds "
              f"({r['best_peer']}; {r['rounds_met']} rounds met)",
              r["median"], 0.8)
    cycles_path = os.path.join(args.results, "pair_cycles.json")
    if os.path.exists(cycles_path):
        cycles = load(cycles_path).get("50", {})
        peers = [p for p in PEERS if p in cycles]
        if JET in cycles and peers:
            who = min(peers, key=cycles.get)
            check(f"1 thread, cycles per pair, pair_cycles ({who})",
                  cycles[who] / cycles[JET], 0.8)
    if (JET, 50, 16) in ring and (JET, 50, 2) in ring:
        check("16 threads / 2 threads, jetsession",
              ring[(JET, 50, 16)] / ring[(JET, 50, 2)], 0.8)
    fill = named(contention, "BM_JetAtFill")
    f0 = fill.get("BM_JetAtFill/fill:0/real_time")
    f99 = fill.get("BM_JetAtFill/fill:99/real_time")
    if f0 and f99:
        check("99% fill / empty pool, jetsession",
              f99["items_per_second"] / f0["items_per_second"], 0.7)
    fills = fill_patterns(os.path.join(args.results, "fill_pattern_bench.json"))
    ratios = fill_ratios(fills)
    for (c, pattern, threads), (low, _) in sorted(ratios.items()):
        if c == JET and threads in (2, 8):
            check(f"{PATTERNS[pattern]} at 99% / empty, {threads} threads, "
                  f"jetsession, worst of {len(fills[(c, pattern, threads)])}",
                  low, 0.8)
    full = named(contention, "BM_JetOutOfSessionsAtFull")
    if full:
        ns = next(iter(full.values()))["real_time"]
        check("OutOfSessions at 100% fill, ns per answer (a few lines)",
              ns, 100.0, fmt="{:.0f}", higher=False)
    if "bytes_per_slot" in context:
        check("bytes per session slot", float(context["bytes_per_slot"]),
              64.0, fmt="{:.0f}", higher=False)
    instructions = os.path.join(args.results, "instructions.txt")
    if os.path.exists(instructions):
        with open(instructions, encoding="utf-8") as f:
            value = float(f.read().split()[0])
        checks.append(("instructions per Begin+End pair (callgrind)",
                       f"{value:.0f}", "small", "reported"))

    waits = saturated_results(
        os.path.join(args.results, "saturated_wait_bench.json"))
    saturated_checks(waits, check, checks)

    out("### Targets")
    out()
    out("| ratio | measured | target | |")
    out("|---|---:|---:|---|")
    for label, value, target, verdict in checks:
        out(f"| {label} | {value} | {target} | {verdict} |")
    out()

    if "bytes_per_slot" in context:
        out("### Memory")
        out()
        out("| what | bytes |")
        out("|---|---:|")
        out(f"| per session slot (its 32-byte control and context, and its "
            f"share of a 64-byte pool word) | {context['bytes_per_slot']} |")
        if "bytes_per_instance_record" in context:
            out(f"| per instance record (state word, pool pointer, name, "
                f"parameters) | {context['bytes_per_instance_record']} |")
        if "bytes_per_instance_30000" in context:
            total = int(context["bytes_per_instance_30000"])
            out(f"| an instance with MaxSessions 30000, all included (record, "
                f"pool object, 938 words, 30016 slots) | {total} "
                f"({total / 30000:.1f} a session) |")
        out()

    if ratios:
        out("### Near full: throughput at 99% fill / empty pool, by pattern")
        out()
        out("29700 of 30000 sessions held, laid out packed (one thread at "
            "start-up), spread (every 100th slot free) or tail (8 threads in "
            "turn, newest 300 ended); rings of 4, work 50. Each repetition's "
            "pairs/s over the median of the empty pool at the same threads: "
            "worst / median.")
        out()
        threads = sorted({t for (_, _, t) in ratios})
        out("| contender | pattern | " +
            " | ".join(f"{t} thr" for t in threads) + " |")
        out("|---|---|" + "---:|" * len(threads))
        for c in [JET, "counter_bitmap", SPREAD]:
            for pattern in (1, 2, 3):
                cells = []
                for t in threads:
                    r = ratios.get((c, pattern, t))
                    cells.append(f"{r[0]:.2f} / {r[1]:.2f}" if r else "")
                if any(cells):
                    out(f"| {c} | {PATTERNS[pattern]} | " +
                        " | ".join(cells) + " |")
        out()

    stopterm = named(contention, "BM_JetStopTermUnderLoad")
    if stopterm:
        out("### Stop and Term latency while threads hammer the instance")
        out()
        out("| hammering threads | JetStopServiceInstance | JetTerm |")
        out("|---:|---:|---:|")
        for name, b in sorted(stopterm.items(),
                              key=lambda kv: int(re.search(
                                  r"hammers:(\d+)", kv[0]).group(1))):
            hammers = re.search(r"hammers:(\d+)", name).group(1)
            out(f"| {hammers} | {b['stop_us']:.1f} us | "
                f"{b['real_time']:.0f} us |")
        out()

    looping = named(contention, "BM_JetTermWhileLooping")
    if looping:
        out("### Term latency while threads loop a call")
        out()
        out("One session is held with a context set; the looping threads call "
            "Begin on the instance, or End or SetSessionContext on that "
            "session (which answer SessionInUse / SessionContextAlreadySet "
            "until Term sets Terminating, then TermInProgress). Term waits "
            "for calls in flight, never for calls that start after it.")
        out()
        out("| looping call | threads | JetTerm mean | max | mean / Begin row |")
        out("|---|---:|---:|---:|---:|")
        rows = {}
        for name, b in looping.items():
            call = int(re.search(r"call:(\d+)", name).group(1))
            loopers = int(re.search(r"loopers:(\d+)", name).group(1))
            rows[(loopers, call)] = b
        for (loopers, call), b in sorted(rows.items()):
            base = rows.get((loopers, 0))
            ratio = (f"{b['real_time'] / base['real_time']:.2f}x"
                     if base else "")
            out(f"| {b.get('label', call)} | {loopers} | "
                f"{b['real_time']:.0f} us | {b['max_us']:.0f} us | {ratio} |")
        out()

    latency_path = os.path.join(args.results, "latency.json")
    latency = load(latency_path) if os.path.exists(latency_path) else []
    if latency:
        out("### Latency percentiles (ns; steady_clock, ~10-20 ns of it)")
        out()
        out("| contender | threads | Begin p50 | p99 | p99.9 | End p50 | p99 "
            "| p99.9 |")
        out("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in latency:
            out(f"| {r['contender']} | {r['threads']} | {r['begin_p50_ns']:.0f}"
                f" | {r['begin_p99_ns']:.0f} | {r['begin_p999_ns']:.0f} | "
                f"{r['end_p50_ns']:.0f} | {r['end_p99_ns']:.0f} | "
                f"{r['end_p999_ns']:.0f} |")
        out()

    saturated_tables(waits, out)

    if ring:
        plot(args.results, ring, contenders, threads_all, latency, stopterm)
    plot_waits(args.results, waits)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0


# One colour and one point shape per line, distinct in grey print too
# (the shapes and dash patterns differ where the greys are close);
# jetsession's lines are heavier.
COLOURS = ["#000000", "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00",
           "#a65628", "#f781bf", "#999999", "#66c2a5", "#b8860b"]


def style(i, name):
    width = 3 if name.startswith("jetsession") else 1.2
    return (f"lc rgb '{COLOURS[i % len(COLOURS)]}' pt {i % 13 + 1} "
            f"dt {i % 5 + 1} lw {width} ps 1.2")


def plot(results, ring, contenders, threads_all, latency, stopterm):
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("(gnuplot not found: no plots)", file=sys.stderr)
        return
    data = os.path.join(results, "throughput.dat")
    with open(data, "w", encoding="utf-8") as f:
        f.write("threads " + " ".join(contenders) + "\n")
        for t in threads_all:
            row = [str(ring[(c, 50, t)] / 1e6) if (c, 50, t) in ring else "NaN"
                   for c in contenders]
            f.write(f"{t} " + " ".join(row) + "\n")
    plots = ", ".join(
        f"'{data}' using 1:{i + 2} with linespoints {style(i, c)} title '{c}'"
        for i, c in enumerate(contenders))
    script = f"""
set terminal pngcairo size 900,560 noenhanced
set datafile missing 'NaN'
set output '{os.path.join(results, 'throughput.png')}'
set title 'Begin+End pairs/s (work 50, ring of 4, 2-core machine)'
set xlabel 'threads (2 cores)'
set ylabel 'Begin+End pairs per second (millions)'
set logscale x 2
set key outside right
set grid
plot {plots}
"""
    if latency:
        lat = os.path.join(results, "latency.dat")
        names = sorted({r["contender"] for r in latency})
        with open(lat, "w", encoding="utf-8") as f:
            for n in names:
                f.write(f'"{n}"\n')
                for r in latency:
                    if r["contender"] == n:
                        f.write(f"{r['threads']} {r['begin_p99_ns']} "
                                f"{r['begin_p999_ns']}\n")
                f.write("\n\n")
        lat_plots = ", ".join(
            f"'{lat}' index {i} using 1:2 with linespoints {style(i, n)} "
            f"title '{n} p99'"
            for i, n in enumerate(names))
        script += f"""
set output '{os.path.join(results, 'latency.png')}'
set title 'Begin latency p99 against threads'
set xlabel 'threads (2 cores)'
set ylabel 'Begin latency, 99th percentile (ns)'
set logscale y 10
plot {lat_plots}
"""
    if stopterm:
        st = os.path.join(results, "stopterm.dat")
        rows = sorted((int(re.search(r"hammers:(\d+)", name).group(1)),
                       b["stop_us"], b["real_time"])
                      for name, b in stopterm.items())
        with open(st, "w", encoding="utf-8") as f:
            for hammers, stop_us, term_us in rows:
                f.write(f"{hammers} {stop_us} {term_us}\n")
        script += f"""
set output '{os.path.join(results, 'stopterm.png')}'
set title 'Stop and Term latency while threads hammer the instance'
set xlabel 'hammering threads (Begin+End loops, 2 cores)'
set ylabel 'latency of the call (microseconds)'
set logscale x 2
set logscale y 10
plot '{st}' using 1:2 with linespoints {style(0, JET)} title 'JetStopServiceInstance', \\
     '{st}' using 1:3 with linespoints {style(3, 'term')} title 'JetTerm'
"""
    try:
        subprocess.run([gnuplot], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"(gnuplot failed: {e})", file=sys.stderr)


# bench/saturated_wait_bench: jetsession's waiting Begin against the
# blocking pools an engine author would write.
WAIT_JET = "jetsession_wait"
WAIT_PEERS = ["mutex_condvar", "tbb_bounded_queue", "semaphore_bitmap"]
WAIT_ORDER = [WAIT_JET] + WAIT_PEERS


def saturated_results(path):
    """{(pool, capacity, threads): summary} over the repetitions of each
    configuration in saturated_wait_bench's JSON (its individual runs):
    medians of the rates and percentiles, the largest max/mean, the smallest
    share, and the sums of the waiters and overtaken waiters."""
    runs_by = {}
    if not os.path.exists(path):
        return {}
    for b in load(path).get("benchmarks", []):
        if b.get("run_type") != "iteration" or "error_occurred" in b:
            continue
        name = b["name"]
        if not name.startswith("BM_SaturatedWait<"):
            continue
        capacity = int(re.search(r"/capacity:(\d+)", name).group(1))
        threads = int(re.search(r"/threads:(\d+)", name).group(1))
        runs_by.setdefault((b.get("label", name), capacity, threads),
                           []).append(b)
    out = {}
    for key, rs in runs_by.items():
        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
        out[key] = {
            "runs": len(rs),
            "pairs_per_s": med("pairs_per_s"),
            "p50": med("wait_p50_us"),
            "p99": med("wait_p99_us"),
            "p999": med("wait_p999_us"),
            "max": med("wait_max_us"),
            "max_over_mean": max(r["max_over_mean"] for r in rs),
            "min_share": min(r["min_share"] for r in rs),
            "waited": sum(int(r["waited"]) for r in rs),
            "overtaken": sum(int(r["overtaken"]) for r in rs),
            "overtaken_raw": sum(int(r["overtaken_raw"]) for r in rs),
        }
    return out


def saturated_checks(waits, check, checks):
    """The waiting targets, per capacity and thread count: throughput over
    the best peer's, the mutex+condvar pool's p99.9 over jetsession's (1.0
    or more: no worse), and jetsession's overtaken waiters (0)."""
    for (pool, capacity, threads) in sorted(
            k for k in waits if k[0] == WAIT_JET):
        jet = waits[(pool, capacity, threads)]
        where = f"capacity {capacity}, {threads} threads"
        peers = [(waits[(p, capacity, threads)]["pairs_per_s"], p)
                 for p in WAIT_PEERS if (p, capacity, threads) in waits]
        if peers:
            best, who = max(peers)
            check(f"waiting at full, {where}: jetsession pairs/s / best peer "
                  f"({who})", jet["pairs_per_s"] / best, 1.0)
        mutex = waits.get(("mutex_condvar", capacity, threads))
        if mutex and jet["p999"] > 0:
            check(f"waiting at full, {where}: mutex_condvar wait p99.9 / "
                  f"jetsession's", mutex["p999"] / jet["p999"], 1.0,
                  fmt="{:.3g}x")
        checks.append((f"waiting at full, {where}: jetsession waiters "
                       f"overtaken, {jet['runs']} runs "
                       f"(raw: {jet['overtaken_raw']})",
                       f"{jet['overtaken']} of {jet['waited']}", "0",
                       "met" if jet["overtaken"] == 0 else "MISSED"))


def fmt_us(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} s"
    if x >= 1e3:
        return f"{x / 1e3:.1f} ms"
    return f"{x:.1f} us" if x >= 10 else f"{x:.2f} us"


def saturated_tables(waits, out):
    if not waits:
        return
    runs = max(w["runs"] for w in waits.values())
    out("### Waiting at full (saturated_wait_bench)")
    out()
    out(f"Wait+hold+End loops, {runs} runs of each row (medians; max/mean is "
        "the largest of the runs, min share the smallest, waiters and "
        "overtaken the sums). Waits: from just before the wait call to its "
        "return, every call. Overtaken: waiters that a later caller went "
        "before, beyond the 10 us tolerance (raw: by the stamps alone); "
        "see the definition above.")
    out()
    out("| pool | capacity | threads | pairs/s | wait p50 | p99 | p99.9 | "
        "max | max / mean | min share | waiters | overtaken | raw |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    configs = sorted({(c, t) for (_, c, t) in waits})
    for capacity, threads in configs:
        for pool in WAIT_ORDER:
            w = waits.get((pool, capacity, threads))
            if not w:
                continue
            out(f"| {pool} | {capacity} | {threads} | "
                f"{fmt_rate(w['pairs_per_s'])} | {fmt_us(w['p50'])} | "
                f"{fmt_us(w['p99'])} | {fmt_us(w['p999'])} | "
                f"{fmt_us(w['max'])} | {w['max_over_mean']:.0f} | "
                f"{w['min_share']:.3f} | {w['waited']} | {w['overtaken']} | "
                f"{w['overtaken_raw']} |")
    out()


def plot_waits(results, waits):
    """wait.png: one panel per capacity and thread count; in each, the wait
    at p50, p99, p99.9 and the maximum, one line per pool (log scale)."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None or not waits:
        return
    configs = sorted({(c, t) for (_, c, t) in waits})
    pools = [p for p in WAIT_ORDER if any((p, c, t) in waits
                                          for (c, t) in configs)]
    data = os.path.join(results, "wait.dat")
    with open(data, "w", encoding="utf-8") as f:
        for capacity, threads in configs:
            for pool in pools:
                w = waits.get((pool, capacity, threads))
                f.write(f'"{pool}"\n')
                if w:
                    for x, key in enumerate(("p50", "p99", "p999", "max")):
                        f.write(f"{x + 1} {max(w[key], 0.01)}\n")
                f.write("\n\n")
    cols = 2
    rows = (len(configs) + cols - 1) // cols
    script = f"""
set terminal pngcairo size 1100,{420 * rows} noenhanced
set output '{os.path.join(results, 'wait.png')}'
set multiplot layout {rows},{cols} title 'Wait for a session at full: \
wait+hold(spin 50)+End loops, 2-core machine (oversubscribed)'
set logscale y 10
set format y '%g'
set grid
set xrange [0.7:4.3]
set xtics ('p50' 1, 'p99' 2, 'p99.9' 3, 'max' 4)
set xlabel 'percentile of the waits (every call)'
set ylabel 'wait (microseconds, log scale)'
set key top left
"""
    for i, (capacity, threads) in enumerate(configs):
        plots = ", ".join(
            f"'{data}' index {i * len(pools) + j} using 1:2 with linespoints "
            f"{style(WAIT_ORDER.index(p), p)} title '{p}'"
            for j, p in enumerate(pools))
        script += f"""
set title 'capacity {capacity}, {threads} threads'
plot {plots}
"""
    script += "unset multiplot\n"
    try:
        subprocess.run([gnuplot], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"(gnuplot failed: {e})", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
