#!/usr/bin/env python3
"""Groups the service's CPU samples (`perf script` output on stdin, recorded with DOTNET_PerfMapEnabled=1) by component.

Each sample goes to the library nearest the top of its stack among those listed below (FactDesk, Npgsql, Marten,
Wolverine, ASP.NET Core, System.Text.Json, socket code, ...): JSON written for Marten counts as System.Text.Json, the
socket calls under Npgsql as socket code. A sample with none of them (the garbage collector's and the JIT's own threads,
the thread pool looking for work) counts as the runtime or the kernel, by where it ran. GC and JIT work done on a
request's thread counts for the library that caused it, so the runtime's rows are a floor, not the whole.

Usage: perf script -i FILE | cpu-by-component.py [REQUESTS]
"""
import re
import sys
from collections import Counter

COMPONENTS = [
    ("FactDesk.GroupCommit", "FactDesk group commit"),
    ("FactDesk.TamperEvidence", "FactDesk hash chains, projections' runner"),
    ("FactDesk.TransparencyLog", "FactDesk transparency log"),
    ("FactDesk", "FactDesk endpoints, decisions, projections"),
    ("Npgsql", "Npgsql (protocol, sockets)"),
    ("Marten", "Marten (sessions, event and document writes, daemon)"),
    ("Weasel", "Marten (sessions, event and document writes, daemon)"),
    ("Wolverine", "Wolverine (message bus, handlers, durability agents)"),
    ("JasperFx", "JasperFx (daemon, code generation runtime)"),
    ("System.Text.Json", "System.Text.Json"),
    ("OpenTelemetry", "OpenTelemetry (traces, metrics)"),
    ("System.Diagnostics.DiagnosticSource", "OpenTelemetry (traces, metrics)"),
    ("Serilog", "logging"),
    ("Microsoft.Extensions.Logging", "logging"),
    ("Microsoft.AspNetCore", "ASP.NET Core (Kestrel, routing, authentication)"),
    ("Microsoft.Extensions", "Microsoft.Extensions (DI, options)"),
    ("System.Net.Security", "TLS"),
    ("System.Security.Cryptography", "cryptography (hashes, tokens)"),
    ("System.Net.Sockets", "sockets (Kestrel's and Npgsql's I/O)"),
    ("System.IO.Pipelines", "sockets (Kestrel's and Npgsql's I/O)"),
    ("System.Linq", "LINQ"),
    ("System.Collections", "collections"),
]

# The method's own assembly: "[Assembly] Namespace.Type::Method". The return and parameter types carry theirs too, but
# with no space before the type's name ("class [System.Runtime]System.String").
ASSEMBLY = re.compile(r"\[([A-Za-z0-9_.\-]+)\] ")


def component_of(symbol, dso):
    # Jitted code is named by the runtime's perf map ("... [Assembly] Namespace.Type::Method"); ready-to-run code runs
    # from its assembly's file, which perf names as the frame's object.
    match = ASSEMBLY.search(symbol)
    if match and match.group(1) != "unknown":
        assembly = match.group(1)
    elif dso.endswith(".dll"):
        assembly = dso.rsplit("/", 1)[-1][:-4]
    else:
        return None
    for prefix, name in COMPONENTS:
        if assembly == prefix or assembly.startswith(prefix + "."):
            return name
    return None


def unowned(leaf_dso, leaf_symbol):
    if "kernel" in leaf_dso:
        return "kernel, no managed caller (I/O completion, scheduling)"
    if "libcoreclr" in leaf_dso and ("gc" in leaf_symbol.lower() or "GC" in leaf_symbol):
        return "runtime: garbage collection"
    if "libclrjit" in leaf_dso:
        return "runtime: JIT"
    if "libcrypto" in leaf_dso or "libssl" in leaf_dso:
        return "cryptography (hashes, tokens)"
    return "runtime: thread pool, timers, other native"


def samples(lines):
    frames = None
    for line in lines:
        if not line.strip():
            if frames:
                yield frames
            frames = None
            continue
        if not line[0].isspace():
            frames = []
            continue
        if frames is None:
            continue
        text = line.strip()
        # "<address> <symbol> (<dso>)"
        address, _, rest = text.partition(" ")
        dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else ""
        symbol = rest[: rest.rfind("(")].strip() if dso else rest
        frames.append((symbol, dso))
    if frames:
        yield frames


def main():
    requests = float(sys.argv[1]) if len(sys.argv) > 1 else 0
    owners = Counter()
    total = 0
    for frames in samples(sys.stdin):
        if not frames:
            continue
        total += 1
        owner = next((c for c in (component_of(s, d) for s, d in frames) if c), None)
        owners[owner or unowned(frames[0][1], frames[0][0])] += 1
    if total == 0:
        print("No CPU samples were recorded (perf needs root or kernel.perf_event_paranoid <= 1).")
        return
    print("| component (nearest on the stack) | share of the service's CPU samples |")
    print("| --- | ---: |")
    for name, count in owners.most_common():
        print(f"| {name} | {count * 100 / total:.1f}% |")
    print()
    print(f"{total:,} samples" + (f" over {requests:,.0f} requests" if requests else "") + ".")


if __name__ == "__main__":
    main()
