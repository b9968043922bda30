"""Run every bench/bench_*.py script and write their output to bench/RESULTS.md.

Each script prints its own result lines (times, memory, query counts). `make bench` runs this.
"""

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem_kb = int(
            next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1]
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem = "?"
    model = ""
    try:
        model = (
            next(line for line in open("/proc/cpuinfo") if line.startswith("model name"))
            .split(":", 1)[1]
            .strip()
        )
    except (OSError, StopIteration):
        pass
    return f"{platform.system()} {platform.release()}, {cpus} cores ({model}), {mem} RAM, Python {platform.python_version()}"


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    env = {**os.environ, "DEBUG": "1"}
    sections = []
    failed = 0
    for script in scripts:
        command = [sys.executable, str(script.relative_to(ROOT))]
        print("running", " ".join(command), flush=True)
        started = datetime.datetime.now()
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = (datetime.datetime.now() - started).total_seconds()
        output = (result.stdout.strip() or "(no output)") + (
            f"\n\nFAILED (exit {result.returncode}):\n{result.stderr[-2000:]}"
            if result.returncode
            else ""
        )
        failed += result.returncode != 0
        sections.append(
            f"## {script.name}\n\nCommand: `DEBUG=1 .venv/bin/python {script.relative_to(ROOT)}` "
            f"({elapsed:.0f} s in all)\n\n```\n{output}\n```\n"
        )
        print(output, flush=True)
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Run with `make bench` on {datetime.date.today().isoformat()}.",
            f"Machine: {machine()}.",
            "",
            *sections,
        ]
    )
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    print("wrote bench/RESULTS.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
