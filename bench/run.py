"""Measure tokohelp's start-up, scale and search quality, and write BENCHMARKS.md.

Usage: python bench/run.py --quick | --full [--out FILE]

Run it with the interpreter of the environment tokohelp is installed in
(``.venv/bin/python``): that interpreter is also the ``python -c pass``
baseline, and the ``tokohelp`` script next to it is what gets timed.  Every
run uses a throw-away ``TOKOHELP_HOME``, so the user's config, tickets and
index are never touched.  Generated corpora are kept in ``bench/out/``
(git-ignored) and reused while the generator and the bundled articles are
unchanged.

Each time is the median with min-max over repeated runs, next to a baseline
measured in the same run, because absolute times drift on shared machines
while ratios hold.  Commands are timed round-robin so drift hits all alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gen_corpus
import quality

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT_DIR = BENCH / "out"
SEED = 1
TIMEOUT = 900
QUERY = "refund"
GNU_TIME = "/usr/bin/time"
ISOLATED_VARS = ("TOKOHELP_ARTICLES", "TOKOHELP_CONFIG", "TOKOHELP_DATA_DIR",
                 "TOKOHELP_CACHE_DIR", "TOKOHELP_LANG", "TOKOHELP_DEBUG")


@dataclass(frozen=True)
class Mode:
    """How much to measure: repetitions and corpus sizes."""

    name: str
    runs: int
    sizes: tuple[int, ...]
    build_runs: tuple[int, ...]
    scale_runs: int
    latency_rounds: int
    memory_runs: int
    import_runs: int


QUICK = Mode("quick", runs=10, sizes=(1000, 10_000), build_runs=(3, 2), scale_runs=10,
             latency_rounds=3, memory_runs=3, import_runs=3)
FULL = Mode("full", runs=30, sizes=(1000, 10_000, 100_000), build_runs=(5, 3, 3), scale_runs=20,
            latency_rounds=10, memory_runs=5, import_runs=10)


@dataclass
class Stat:
    """Repeated measurements of one figure, or why there are none."""

    values: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when there are measurements and nothing failed."""
        return self.error is None and bool(self.values)

    @property
    def median(self) -> float:
        """The median value (the figure reported)."""
        return statistics.median(self.values)


@dataclass
class ScaleResult:
    """Every figure measured on one synthetic corpus."""

    size: int
    corpus_bytes: int
    generated: float | None
    build: Stat
    index_bytes: int
    problems: int
    fresh: Stat
    signature: Stat
    search: Stat
    rg: Stat
    p50: Stat
    p95: Stat
    memory: dict[str, Stat]


@dataclass
class ImportRow:
    """One module of the ``-X importtime`` profile (median microseconds over runs)."""

    module: str
    depth: int
    self_us: float
    cumulative_us: float


@dataclass
class Report:
    """Everything that goes into BENCHMARKS.md."""

    mode: Mode
    machine: dict[str, str]
    cold: dict[str, Stat] = field(default_factory=dict)
    instructions: dict[str, int] = field(default_factory=dict)  # callgrind, per command
    quality: quality.Report | None = None
    imports: list[ImportRow] = field(default_factory=list)
    import_total_us: float = 0.0
    other_imports: dict[str, tuple[list[ImportRow], float]] = field(default_factory=dict)
    scale: list[ScaleResult] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    seconds: float = 0.0


def log(message: str) -> None:
    """Progress goes to stderr; the results go to the report file."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- environment -------------------------------------------------------------------------


def isolate(home: Path) -> None:
    """Point every tokohelp path (and the bytecode cache) of this process's children at ``home``."""
    for name in ISOLATED_VARS:
        os.environ.pop(name, None)
    os.environ["TOKOHELP_HOME"] = str(home)
    os.environ["LANG"] = "C.UTF-8"
    # Time Python as installed (bytecode compiled once), even where PYTHONDONTWRITEBYTECODE
    # is set, without writing __pycache__ directories into the checkout.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    prepare_tldr(home / "tldr")


# One page, written here (the clients' own caches would be downloaded; there is no
# network): both tldr clients then look it up from their offline caches.
TLDR_PAGE = "# tar\n\n> Archive files.\n\n- Create an archive:\n\n`tar cf {{a.tar}} {{file}}`\n"


def prepare_tldr(root: Path) -> None:
    """Offline caches for tldr-python-client (``XDG_CACHE_HOME``) and tealdeer."""
    python_page = root / "xdg" / "tldr" / "pages" / "linux" / "tar.md"
    tealdeer_page = root / "tealdeer" / "tldr-pages" / "pages" / "common" / "tar.md"
    for page in (python_page, tealdeer_page):
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(TLDR_PAGE, encoding="utf-8")
    (root / "tealdeer-config").mkdir(exist_ok=True)
    os.environ.update({"XDG_CACHE_HOME": str(root / "xdg"), "TLDR_COLOR_BLANK": "1",
                       "TEALDEER_CACHE_DIR": str(root / "tealdeer"),
                       "TEALDEER_CONFIG_DIR": str(root / "tealdeer-config")})


def tldr_clients() -> dict[str, list[str]]:
    """The tldr clients found: tldr-python-client beside this Python, tealdeer on PATH."""
    found = {}
    python_client = Path(sys.executable).parent / "tldr"
    if python_client.is_file():
        found["tldr tar (tldr-python-client)"] = [str(python_client), "tar"]
    for candidate in ("/usr/bin/tldr", shutil.which("tealdeer") or ""):
        if candidate and Path(candidate).is_file() and _is_tealdeer(candidate):
            found["tldr tar (tealdeer)"] = [candidate, "tar"]
            break
    return found


def _is_tealdeer(path: str) -> bool:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return "tealdeer" in (done.stdout + done.stderr).lower()


def child_env(articles: Path | None = None) -> dict[str, str]:
    """The environment of a timed command, optionally on a corpus instead of the bundled library."""
    env = dict(os.environ)
    if articles is not None:
        env["TOKOHELP_ARTICLES"] = str(articles)
    return env


def tokohelp_exe() -> str:
    """The ``tokohelp`` script installed next to this interpreter."""
    beside = Path(sys.executable).parent / "tokohelp"
    found = str(beside) if beside.is_file() else shutil.which("tokohelp")
    if not found:
        sys.exit("bench: no 'tokohelp' script found; run with the venv's python "
                 "(.venv/bin/python bench/run.py --quick)")
    return found


# --- timing ------------------------------------------------------------------------------


def run_once(argv: list[str], env: dict[str, str], terminal: bool = False) -> tuple[float, int]:
    """Wall time (s) and exit status of one fresh process, output discarded.

    With ``terminal``, stdout and stderr are a pseudo-terminal of 100x30 (what a person
    sees: the Rich views), read and thrown away by a thread. The child is reaped with a
    blocking ``os.waitpid``: ``Popen.wait(timeout)`` polls with growing sleeps, which
    would round every time up to ~50 ms.
    """
    if terminal:
        return _on_terminal(argv, env)
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        return 0.0, -1
    return _reap(proc, start)


def _reap(proc: subprocess.Popen, start: float) -> tuple[float, int]:
    """Wait for ``proc`` (killed after TIMEOUT): its wall time since ``start`` and status."""
    fired: list[bool] = []
    watchdog = threading.Timer(TIMEOUT, lambda: (fired.append(True), proc.kill()))
    watchdog.start()
    _, status = os.waitpid(proc.pid, 0)
    elapsed = time.perf_counter() - start
    watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, -2 if fired else proc.returncode


def _on_terminal(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """:func:`run_once` with stdout and stderr on a fresh 100x30 pseudo-terminal."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    reader = threading.Thread(target=_drain, args=(leader,), daemon=True)
    reader.start()
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, cwd=ROOT, env={**env, "TERM": "xterm-256color"},
                                stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    except FileNotFoundError:
        return 0.0, -1
    finally:
        os.close(follower)
    result = _reap(proc, start)
    reader.join(timeout=10)
    os.close(leader)
    return result


def _drain(fd: int) -> None:
    """Read a terminal's output until its last writer is gone (so the child never blocks)."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO: the child closed the terminal
        pass


def failure(rc: int) -> str:
    """How a failed command shows in the report."""
    return {-1: "n/a (not installed)", -2: "n/a (timeout)"}.get(rc, f"n/a (exit {rc})")


def ok_status(argv: list[str], rc: int) -> bool:
    """rg exits 1 when nothing matched, which is still a valid measurement."""
    return rc == 0 or (Path(argv[0]).name == "rg" and rc == 1)


def time_commands(commands: dict[str, list[str]], env: dict[str, str],
                  runs: int) -> dict[str, Stat]:
    """Wall times (ms) of each command: ``runs`` rounds, round-robin, after one warm-up run
    each (page cache, .pyc files, the index)."""
    stats = {name: Stat() for name in commands}
    for name, argv in commands.items():
        rc = run_once(argv, env, name in ON_TERMINAL)[1]
        if not ok_status(argv, rc):
            stats[name].error = failure(rc)
    for _ in range(runs):
        for name, argv in commands.items():
            if stats[name].error is None:
                seconds, rc = run_once(argv, env, name in ON_TERMINAL)
                stats[name].values.append(seconds * 1000)
                if not ok_status(argv, rc):
                    stats[name].error = failure(rc)
    return stats


_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "kib = peak // 1024 if sys.platform == 'darwin' else peak\n"
    "open(sys.argv[1], 'w').write(f'{r.returncode} {kib}')\n"
)


def _rss_argv(argv: list[str], report: Path) -> list[str]:
    """``argv`` run under GNU time(1), or under a small Python wrapper where it is missing."""
    if Path(GNU_TIME).is_file():
        return [GNU_TIME, "-f", "%x %M", "-o", str(report), *argv]
    return [sys.executable, "-c", _RSS_WRAPPER, str(report), *argv]


def peak_memory(argv: list[str], env: dict[str, str], runs: int) -> Stat:
    """Peak RSS (MB) of ``argv`` in a fresh process.

    A child inherits its parent's peak RSS across fork and exec on Linux, so
    the measuring parent must be small: GNU time(1) adds about 1 MB, the
    fallback Python wrapper about 9 MB, where this (by then large) process
    would add its own size.
    """
    stat = Stat()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rss"
        for _ in range(runs):
            rc = run_once(_rss_argv(argv, report), env)[1]
            status, kib = report.read_text().split()[-2:] if report.is_file() else ("-1", "0")
            if not ok_status(argv, int(status)) or rc < 0:
                return Stat(error=failure(int(status) if rc >= 0 else rc))
            stat.values.append(int(kib) * 1024 / 1e6)
    return stat


def time_calls(call: Callable[[], object], runs: int) -> Stat:
    """In-process timings (ms) of ``call`` after one warm-up call."""
    call()
    stat = Stat()
    for _ in range(runs):
        start = time.perf_counter()
        call()
        stat.values.append((time.perf_counter() - start) * 1000)
    return stat


# --- the measurements --------------------------------------------------------------------


TYPER_FLOOR = "python -c 'import re, typer'"
TERMINAL_SEARCH = "tokohelp search refund (on a terminal)"
ON_TERMINAL = {TERMINAL_SEARCH}  # run on a pseudo-terminal, so Rich draws the view


def cold_commands(exe: str) -> dict[str, list[str]]:
    """The cold-start commands and their baselines (bundled articles).

    The Typer floor is what a plain Typer program pays before its own first line: pip's
    console script imports ``re``, then the command's module imports ``typer``.  tokohelp
    imports Typer with the cyclic collector paused (``tokohelp.startup``), so it pays less.
    """
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        TYPER_FLOOR: [sys.executable, "-c", "import re, typer"],
        "rg -i refund articles/": ["rg", "-i", QUERY, "articles/"],
        "tokohelp --help": [exe, "--help"],
        "tokohelp search refund": [exe, "search", QUERY],
        TERMINAL_SEARCH: [exe, "search", QUERY],
        "tokohelp show refund-not-received --raw": [exe, "show", "refund-not-received", "--raw"],
        "tokohelp contact": [exe, "contact"],
        "tokohelp ticket list": [exe, "ticket", "list"],
        **tldr_clients(),
    }


_COLLECTED = re.compile(r"Collected : (\d+)")


def instruction_counts(exe: str) -> dict[str, int]:
    """Instructions each piped cold command executes, counted by callgrind.

    Unlike wall time, the count does not move with the machine's load, so it shows
    where start-up goes even on a busy machine. Empty when valgrind is not installed.
    """
    valgrind = shutil.which("valgrind")
    if not valgrind:
        return {}
    counts = {}
    for name, argv in cold_commands(exe).items():
        if name in ON_TERMINAL:
            continue
        try:
            done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                   *argv], cwd=ROOT, env=child_env(), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  timeout=TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        found = _COLLECTED.search(done.stderr)
        if found:
            counts[name] = int(found.group(1))
    return counts


def render_instructions(report: Report) -> list[str]:
    """The instruction counts, next to `python -c pass` and the Typer floor."""
    counts = report.instructions
    base, floor = counts.get("python -c pass"), counts.get(TYPER_FLOOR)
    if not base or not floor:
        return ["Instruction counts: valgrind not installed (Debian package `valgrind`).", ""]
    lines = ["### Instructions (callgrind, output piped)", "",
             "The same commands counted by `valgrind --tool=callgrind`: a count does not move "
             "with the machine's load. The last column compares each tokohelp command with "
             f"the Typer floor (`{TYPER_FLOOR}`), which imports Typer with the collector "
             "running; tokohelp pauses it for its start-up imports, so a command can come "
             "in under the floor.", "",
             "| Command | Instructions | x `python -c pass` | Against the Typer floor |",
             "|---|---|---|---|"]
    for name, count in counts.items():
        above = f"{(count - floor) / 1e6:+.0f}M" if name.startswith("tokohelp") else ""
        lines.append(f"| `{name}` | {count / 1e6:.0f}M | {count / base:.2f}x | {above} |")
    return [*lines, ""]


def retry_failures(report: Report, exe: str) -> None:
    """Commands still being written may work by the end of the run: try them once more."""
    commands = cold_commands(exe)
    failed = {name: commands[name] for name, stat in report.cold.items() if not stat.ok}
    if not failed:
        return
    log(f"re-running failed commands: {', '.join(failed)}")
    report.retried = list(failed)
    report.cold.update(time_commands(failed, child_env(), report.mode.runs))


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")


def parse_importtime(stderr: str) -> dict[str, tuple[int, int, int]]:
    """module -> (depth, self us, cumulative us) from ``python -X importtime`` output."""
    rows = {}
    for match in _IMPORT_LINE.finditer(stderr):
        depth = (len(match.group(3)) - 1) // 2
        rows[match.group(4)] = (depth, int(match.group(1)), int(match.group(2)))
    return rows


PROFILED = {  # the tokohelp commands whose imports are profiled, by name
    "search refund": ["search", QUERY],
    "--help": ["--help"],
    "show refund-not-received --raw": ["show", "refund-not-received", "--raw"],
    "contact": ["contact"],
    "ticket list": ["ticket", "list"],
}


def import_profile(runs: int, args: list[str] | None = None) -> tuple[list[ImportRow], float]:
    """Median per-module import costs of one command (``search refund`` by default) and the
    median total; the last run's raw ``-X importtime`` output is kept in bench/out/."""
    args = args or ["search", QUERY]
    argv = [sys.executable, "-X", "importtime", "-m", "tokohelp", *args]
    samples: list[dict[str, tuple[int, int, int]]] = []
    stderr = ""
    for _ in range(runs + 1):
        done = subprocess.run(argv, cwd=ROOT, env=child_env(), capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        samples.append(parse_importtime(done.stderr))
        stderr = done.stderr
    _keep_profile(args, stderr)
    samples = samples[1:]
    rows = [ImportRow(name, depth,
                      statistics.median(s[name][1] for s in samples if name in s),
                      statistics.median(s[name][2] for s in samples if name in s))
            for name, (depth, _, _) in samples[0].items()]
    total = statistics.median(sum(v[1] for v in s.values()) for s in samples)
    return rows, total


def _keep_profile(args: list[str], stderr: str) -> None:
    """Write one raw importtime profile to bench/out/importtime/ (so a regression can be
    diffed against the last run)."""
    folder = OUT_DIR / "importtime"
    name = "-".join(a.strip("-") for a in args if a.strip("-")) or "help"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.txt").write_text(stderr, encoding="utf-8")
    except OSError:
        pass


def all_import_profiles(runs: int) -> dict[str, tuple[list[ImportRow], float]]:
    """The import profile of every command in PROFILED."""
    return {name: import_profile(runs, args) for name, args in PROFILED.items()}


def build_stats(dirs: list[Path], runs: int) -> tuple[Stat, int, int]:
    """Full index build times (ms) from scratch; also the index size and problem count."""
    from tokohelp import config
    from tokohelp.index import index_path, open_index

    path = index_path(config.cache_dir(), dirs)
    stat, size, problems = Stat(), 0, 0
    for _ in range(runs):
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        index = open_index(dirs, config.cache_dir())
        stat.values.append((time.perf_counter() - start) * 1000)
        size, problems = path.stat().st_size, len(index.problems)
        index.close()
    return stat, size, problems


def latency_stats(dirs: list[Path], rounds: int) -> tuple[Stat, Stat]:
    """In-process p50 and p95 (ms) of the query mix, one value per round."""
    from tokohelp import config
    from tokohelp.index import open_index
    from tokohelp.ranking import run_search

    index = open_index(dirs, config.cache_dir())
    mix = quality.load_queries()[::4]
    p50, p95 = Stat(), Stat()
    for _ in range(rounds + 1):
        times = []
        for q in mix:
            start = time.perf_counter()
            run_search(index, q.text, lang=q.lang, limit=10)
            times.append((time.perf_counter() - start) * 1000)
        cuts = statistics.quantiles(times, n=20, method="inclusive")
        p50.values.append(statistics.median(times))
        p95.values.append(cuts[18])
    index.close()
    for stat in (p50, p95):
        del stat.values[0]
    return p50, p95


def prepare_corpus(size: int) -> tuple[Path, float | None]:
    """The corpus of ``size`` articles under bench/out/, and its generation time if made now."""
    corpus = OUT_DIR / f"corpus-{size}"
    start = time.perf_counter()
    made = gen_corpus.ensure_corpus(corpus, size, SEED)
    return corpus, (time.perf_counter() - start) if made else None


def corpus_bytes(corpus: Path) -> int:
    """Total size of the article files."""
    return sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())


def freshness_stat(dirs: list[Path], runs: int) -> Stat:
    """The "did anything change?" check exactly as ``open_index`` runs it, on a warm index."""
    from tokohelp import config
    from tokohelp.index import is_fresh, open_index

    index = open_index(dirs, config.cache_dir())
    stat = time_calls(lambda: is_fresh(index.db, dirs, index.path), runs)
    index.close()
    return stat


def measure_scale(size: int, build_runs: int, mode: Mode, exe: str) -> ScaleResult:
    """Every scale figure for one corpus size."""
    from tokohelp.index import signature

    log(f"{size} articles: preparing corpus")
    corpus, generated = prepare_corpus(size)
    dirs = [corpus]
    log(f"{size} articles: building the index {build_runs}x")
    build, index_bytes, problems = build_stats(dirs, build_runs)
    log(f"{size} articles: no-change check, cold search and rg, latency, memory")
    fresh = freshness_stat(dirs, mode.runs)
    sig = time_calls(lambda: signature(dirs), mode.runs)
    commands = {"search": [exe, "search", QUERY], "rg": ["rg", "-il", QUERY, str(corpus)],
                "python": [sys.executable, "-c", "pass"]}
    times = time_commands({k: commands[k] for k in ("search", "rg")}, child_env(corpus),
                          mode.scale_runs)
    p50, p95 = latency_stats(dirs, mode.latency_rounds)
    memory = {k: peak_memory(argv, child_env(corpus), mode.memory_runs)
              for k, argv in commands.items()}
    return ScaleResult(size, corpus_bytes(corpus), generated, build, index_bytes, problems, fresh,
                       sig, times["search"], times["rg"], p50, p95, memory)


# --- the machine -------------------------------------------------------------------------


def _first_match(path: str, pattern: str) -> str | None:
    try:
        match = re.search(pattern, Path(path).read_text(), re.MULTILINE)
    except OSError:
        return None
    return match.group(1).strip() if match else None


def _tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "not installed"
    return (out.stdout.splitlines() or ["?"])[0].strip()


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    from tokohelp import __version__

    ram_kb = _first_match("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    commit = _tool_version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return {
        "Date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "CPU": _first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor(),
        "Cores": str(os.cpu_count()),
        "RAM": f"{int(ram_kb) / 1024 / 1024:.1f} GiB" if ram_kb else "unknown",
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()} "
                  f"({sys.executable})",
        "tokohelp": f"{__version__} (commit {commit})",
        "ripgrep": _tool_version(["rg", "--version"]),
        "Load average at start (1/5/15 min)": _load(),
    }


def _load() -> str:
    """The machine's load: on a shared machine it explains slow figures."""
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


# --- the report --------------------------------------------------------------------------


def num(value: float) -> str:
    """Three significant-ish digits."""
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def figure(stat: Stat, unit: str) -> tuple[str, str]:
    """(median, min-max) cells, or the failure in the first cell."""
    if not stat.ok:
        return stat.error or "n/a", ""
    return f"{num(stat.median)} {unit}", f"{num(min(stat.values))}-{num(max(stat.values))}"


def ratio(stat: Stat, base: Stat) -> float | None:
    """Median over baseline median, when both exist."""
    return stat.median / base.median if stat.ok and base.ok and base.median else None


def ratio_cell(value: float | None) -> str:
    """A ratio as shown in the tables."""
    return "n/a" if value is None else f"{value:.2f}x"


def verdict(target: str, passed: bool | None) -> str:
    """A target and whether this run met it."""
    state = "n/a" if passed is None else "**pass**" if passed else "**MISS**"
    return f"{target}: {state}"


def at_most(value: float | None, limit: float) -> bool | None:
    """Target check that tolerates a missing figure."""
    return None if value is None else value <= limit


COLD_TARGETS = {  # issue 14's goals, as ratios to `python -c pass` in the same run
    "tokohelp search refund": ("≤ 6x python -c pass", 6.0),
    TERMINAL_SEARCH: ("≤ 7.5x python -c pass", 7.5),
    "tokohelp --help": ("≤ 5x python -c pass", 5.0),
    "tokohelp show refund-not-received --raw": ("≤ 6.5x python -c pass", 6.5),
    "tokohelp contact": ("≤ 6.5x python -c pass", 6.5),
    "tokohelp ticket list": ("≤ 6.5x python -c pass", 6.5),
}


def render_cold(report: Report) -> list[str]:
    """The cold-start table."""
    py, rg = report.cold["python -c pass"], report.cold["rg -i refund articles/"]
    lines = ["## Cold start (fresh process, bundled articles, warm index)", "",
             f"{report.mode.runs} runs each, round-robin, after one warm-up run.", "",
             "| Command | Median | Min-max | x `python -c pass` | x `rg -i refund articles/` "
             "| Target |", "|---|---|---|---|---|---|"]
    for name, stat in report.cold.items():
        x_py = ratio(stat, py)
        target, limit = COLD_TARGETS.get(name, ("", 0.0))
        cell = verdict(target, at_most(x_py, limit)) if target else ""
        lines.append(f"| `{name}` | {' | '.join(figure(stat, 'ms'))} | {ratio_cell(x_py)} "
                     f"| {ratio_cell(ratio(stat, rg))} | {cell} |")
    lines += _tldr_verdict(report)
    lines += ["", f"`{TYPER_FLOOR}` is what a plain Typer program pays before its first line: "
              "pip's console script imports `re`, and the command line is parsed by Typer "
              "(tokohelp imports Typer with the cyclic collector paused, so it pays less). "
              f"`{TERMINAL_SEARCH}` runs with stdout and stderr on a 100x30 pseudo-terminal, "
              "so Rich draws the view; every other command's output is piped."]
    if report.retried:
        lines += ["", f"Failed in the main pass and re-run once at the end: "
                  f"{', '.join(f'`{n}`' for n in report.retried)}."]
    return [*lines, ""]


def _tldr_verdict(report: Report) -> list[str]:
    """Whether a tokohelp lookup beats tldr-python-client's, measured in the same run."""
    tldr = report.cold.get("tldr tar (tldr-python-client)")
    search = report.cold.get("tokohelp search refund")
    if tldr is None or search is None:
        return ["", "tldr-python-client not installed (`pip install tldr`): no comparison."]
    faster = at_most(ratio(search, tldr), 1.0)
    return ["", "The tldr clients look up one page (`tar`) from an offline cache written by "
            "the benchmark. " + verdict("`tokohelp search refund` faster than "
                                        "tldr-python-client", faster) + "."]


def _scale_rows(r: ScaleResult) -> list[tuple[str, Stat, str, str, str]]:
    """(label, stat, unit, ratio cell, target cell) for the time figures of one size."""
    x_rg = {name: ratio(stat, r.rg) for name, stat in
            (("build", r.build), ("fresh", r.fresh), ("sig", r.signature), ("search", r.search),
             ("p50", r.p50), ("p95", r.p95))}
    p95 = r.p95.median if r.p95.ok else None
    build = r.build.median if r.build.ok else None
    fresh = r.fresh.median if r.fresh.ok else None
    return [
        ("Full index build (in-process)", r.build, "ms", ratio_cell(x_rg["build"]),
         verdict("< 60 s", at_most(build, 60_000))),
        ("No-change check as `open_index` runs it, `is_fresh()` (in-process)", r.fresh, "ms",
         ratio_cell(x_rg["fresh"]), verdict("< 150 ms", at_most(fresh, 150))),
        ("Full per-file check, `signature()` (in-process)", r.signature, "ms",
         ratio_cell(x_rg["sig"]), ""),
        ("Cold `tokohelp search refund`, warm index", r.search, "ms",
         ratio_cell(x_rg["search"]), verdict("faster than rg", at_most(x_rg["search"], 1.0))),
        (f"Baseline `rg -il {QUERY} DIR`", r.rg, "ms", "1.00x", ""),
        ("Query latency p50 (in-process, query mix)", r.p50, "ms", ratio_cell(x_rg["p50"]), ""),
        ("Query latency p95 (in-process, query mix)", r.p95, "ms", ratio_cell(x_rg["p95"]),
         verdict("≤ 15 ms", at_most(p95, 15))),
    ]


def _memory_rows(r: ScaleResult) -> list[str]:
    search, rg, py = r.memory["search"], r.memory["rg"], r.memory["python"]
    peak = search.median if search.ok else None
    rows = [("Peak memory, cold `tokohelp search refund`", search,
             ratio_cell(ratio(search, rg)), verdict("< 80 MB", at_most(peak, 80))),
            (f"Peak memory, `rg -il {QUERY} DIR`", rg, "1.00x", ""),
            ("Peak memory, `python -c pass`", py, ratio_cell(ratio(py, rg)), "")]
    return [f"| {label} | {' | '.join(figure(stat, 'MB'))} | {x} | {t} |"
            for label, stat, x, t in rows]


def render_scale(r: ScaleResult, mode: Mode) -> list[str]:
    """The table for one corpus size."""
    made = f"generated in {r.generated:.1f} s" if r.generated is not None else "reused"
    lines = [f"### {r.size:,} articles", "",
             f"Corpus: {r.corpus_bytes / 1e6:.1f} MB of Markdown ({made}); index "
             f"{r.index_bytes / 1e6:.1f} MB = {r.index_bytes / max(r.corpus_bytes, 1):.2f}x the "
             f"corpus; {r.problems} problem files. Builds: {len(r.build.values)}; no-change "
             f"and full checks: {len(r.signature.values)} each; cold searches and rg: "
             f"{mode.scale_runs} each; "
             f"latency: {len(r.p50.values)} rounds of the query mix; memory: {mode.memory_runs} "
             f"runs under `{GNU_TIME if Path(GNU_TIME).is_file() else 'a Python wrapper'}`.", "",
             "| Figure | Median | Min-max | x `rg -il` | Target (set for 100k) |",
             "|---|---|---|---|---|"]
    for label, stat, unit, x, target in _scale_rows(r):
        lines.append(f"| {label} | {' | '.join(figure(stat, unit))} | {x} | {target} |")
    return [*lines, *_memory_rows(r), ""]


def render_quality(report: Report) -> list[str]:
    """Quality per split and query group, next to the plain baselines."""
    if report.quality is None:
        return []
    rows = report.quality.rows
    lines = ["## Search quality", "",
             "Queries from `tests/eval/` (dev: `queries.toml` and `dev.toml`, tuned on; "
             "held-out: `heldout.toml`, only measured), bundled articles, first 10 distinct "
             "slugs; every ranker scored by the same harness (`bench/quality.py`). Top-1, "
             "top-3 and MRR@5 are over in-scope queries; \"no-fit\" precision and recall "
             "judge the out-of-scope call (no confident hit) over all queries of the row. "
             "Baselines: plain SQLite FTS5 `bm25()` over title, tags, summary and body "
             "(OR of the words, no stemming, synonyms or typo repair) and in-memory Okapi "
             "BM25; neither has a notion of confidence (each says \"nothing fits\" only "
             "when it returns nothing).", "", *quality.render(report.quality)]
    verdicts = []
    for split, groups in rows.items():
        ours, base = groups["all"]["tokohelp search"], groups["all"]["plain FTS5 bm25"]
        verdicts.append(verdict(f"{split}: beats FTS5 bm25 on top-3", ours.top3 > base.top3))
    held = rows.get("heldout", {}).get("all", {}).get("tokohelp search")
    if held is not None:
        verdicts.append(verdict("held-out top-3 ≥ 0.90", held.top3 >= 0.90))
    return [*lines, "Targets: " + "; ".join(verdicts) + ".", ""]


def render_imports(report: Report) -> list[str]:
    """The top import costs of ``tokohelp search refund``."""
    lines = ["## Import-time profile of `tokohelp search refund`", "",
             f"`python -X importtime -m tokohelp search refund`, median of "
             f"{report.mode.import_runs} runs after one warm-up; all imports together: "
             f"{report.import_total_us / 1000:.1f} ms.", ""]
    for title, key in (("Top 10 by cumulative time", "cumulative_us"),
                       ("Top 10 by self time", "self_us")):
        top = sorted(report.imports, key=lambda row: getattr(row, key), reverse=True)[:10]
        lines += [f"{title}:", "", "| Module | Depth | Cumulative | Self |", "|---|---|---|---|"]
        lines += [f"| `{r.module}` | {r.depth} | {r.cumulative_us / 1000:.1f} ms "
                  f"| {r.self_us / 1000:.1f} ms |" for r in top]
        lines.append("")
    return [*lines, *render_other_imports(report)]


def render_other_imports(report: Report) -> list[str]:
    """The five costliest imports (cumulative) of every other profiled command."""
    if not report.other_imports:
        return []
    lines = ["### Other commands", "",
             "Raw profiles of the last run: `bench/out/importtime/`.", "",
             "| Command | All imports | Top 5 by cumulative time |", "|---|---|---|"]
    for name, (rows, total) in report.other_imports.items():
        top = sorted(rows, key=lambda row: row.cumulative_us, reverse=True)[:5]
        cells = ", ".join(f"`{r.module}` {r.cumulative_us / 1000:.1f}" for r in top)
        lines.append(f"| `tokohelp {name}` | {total / 1000:.1f} ms | {cells} |")
    return [*lines, ""]


def freshness_note() -> list[str]:
    """How tokohelp decides the index is fresh, from the constants of the code measured."""
    from tokohelp import index as search

    files = getattr(search, "FULL_CHECK_FILES", None)
    seconds = getattr(search, "FULL_CHECK_SECONDS", None)
    if files is None or seconds is None:
        return ["The no-change check stats every article file on every search."]
    return [f"The no-change check (`is_fresh`) stats the directories recorded in the index; "
            f"libraries of up to {files:,} files also get the full per-file `signature()` on "
            f"every search, larger ones at most every {seconds // 60} minutes (both are shown)."]


def render_ticket_load() -> list[str]:
    """The 500-ticket load figure, written by tests/backends/test_crash_concurrency.py."""
    source = ROOT / "bench" / "out" / "load-500.json"
    if not source.is_file():
        return ["## Ticket load", "", "Not measured yet: run the test suite first "
                "(`tests/backends/test_crash_concurrency.py` writes `bench/out/load-500.json`).",
                ""]
    data = json.loads(source.read_text(encoding="utf-8"))
    return ["## Ticket load (real Request Tracker 5 on 127.0.0.1)", "",
            "`tokohelp ticket send --all` over queued tickets, measured by the test suite "
            f"on {data['date'][:16].replace('T', ' ')} UTC.", "",
            "| Tickets | Wall time | Per ticket | Lost | Duplicates |", "|---|---|---|---|---|",
            f"| {data['tickets']} | {data['seconds']:.1f} s | "
            f"{data['seconds'] / data['tickets']:.2f} s | {data['lost']} | {data['duplicates']} |",
            ""]


def render(report: Report) -> str:
    """The whole BENCHMARKS.md."""
    lines = ["# tokohelp benchmarks", "",
             f"Generated by `python bench/run.py --{report.mode.name}` in "
             f"{report.seconds / 60:.1f} min; see `bench/README.md`. Times are medians with "
             "min-max over repeated runs; ratios compare medians measured in the same run.", "",
             "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report.machine.items()]
    lines += ["", *render_cold(report), *render_instructions(report),
              "## Scale (synthetic corpora)", "",
              f"Corpora from `bench/gen_corpus.py` (seed {SEED}); `TOKOHELP_ARTICLES` points at "
              "the corpus. Ratios are to `rg -il refund DIR` over the same files.", "",
              *freshness_note(), ""]
    for result in report.scale:
        lines += render_scale(result, report.mode)
    lines += [*render_quality(report), *render_imports(report), *render_ticket_load()]
    return "\n".join(lines).rstrip() + "\n"


# --- main --------------------------------------------------------------------------------


def measure(mode: Mode, exe: str) -> Report:
    """Run every measurement of ``mode``."""
    report = Report(mode, machine())
    log(f"cold start: {len(cold_commands(exe))} commands x {mode.runs} runs")
    report.cold = time_commands(cold_commands(exe), child_env(), mode.runs)
    log("instruction counts (callgrind)")
    report.instructions = instruction_counts(exe)
    log("search quality")
    report.quality = quality.full_report()
    log("import-time profile")
    report.imports, report.import_total_us = import_profile(mode.import_runs)
    report.other_imports = {name: profile for name, profile in
                            all_import_profiles(max(mode.import_runs // 2, 1)).items()
                            if name != "search refund"}
    for size, builds in zip(mode.sizes, mode.build_runs, strict=True):
        report.scale.append(measure_scale(size, builds, mode, exe))
    retry_failures(report, exe)
    return report


def main() -> None:
    """Parse the options, measure in a throw-away home, write the report."""
    parser = argparse.ArgumentParser(description="Benchmark tokohelp and write BENCHMARKS.md.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--quick", action="store_true",
                       help="~10 runs, 1k and 10k articles (CI smoke)")
    group.add_argument("--full", action="store_true", help="~30 runs, 1k/10k/100k articles")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    mode = FULL if args.full else QUICK
    exe = tokohelp_exe()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tokohelp-bench-") as home:
        isolate(Path(home))
        report = measure(mode, exe)
    report.seconds = time.perf_counter() - start
    args.out.write_text(render(report), encoding="utf-8")
    log(f"wrote {args.out} in {report.seconds:.0f} s")


if __name__ == "__main__":
    main()
