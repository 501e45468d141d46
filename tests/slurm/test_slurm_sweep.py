"""scripts/slurm/submit-sweep.sh on a real one-node Slurm cluster (slurm_cluster.py): the
stories260K layer file swept by a 3-task array job and merged by the dependent job must give the
rows of one single-process `sweep-model`, field for field apart from the measured times.

Needs root and the slurmctld, slurmd, slurm-client and munge packages; without them the test
fails (it does not skip), saying what is missing. Run by CTest (label slurm) with LAYERLENS_CLI
set to the built layerlens-cli and LAYERLENS_SHARED_DATA to the real data folder."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import ClusterError, SlurmCluster, missing_binaries  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("LAYERLENS_CLI", os.path.join(REPO, "build", "release", "app", "layerlens-cli"))
DATA = os.environ.get("LAYERLENS_SHARED_DATA", os.path.join(REPO, "..", "shared", "data"))
LAYERS = os.path.join(DATA, "stories260K_layers.h5")
SUBMIT = os.path.join(REPO, "scripts", "slurm", "submit-sweep.sh")
METHODS = "rtn,awq,gptq,magnitude,wanda,sparsegpt"
SHARDS = 3
JOB_TIMEOUT = 300
MEASURED = ("seconds", "timings")


def read_rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def without_times(row):
    return {k: v for k, v in row.items() if k not in MEASURED}


def first_difference(a, b):
    keys = sorted(set(a) | set(b))
    for k in keys:
        if a.get(k, "<absent>") != b.get(k, "<absent>"):
            return f"field {k!r}: {a.get(k, '<absent>')!r} != {b.get(k, '<absent>')!r}"
    return "no difference"


class SlurmSweep(unittest.TestCase):
    def setUp(self):
        # A missing prerequisite is a failure with its reason, never a silent skip.
        if os.geteuid() != 0:
            self.fail("the Slurm test runs its own slurmctld/slurmd with SlurmUser=root and needs root")
        missing = missing_binaries()
        if missing:
            self.fail("Slurm/munge not installed: " + ", ".join(missing)
                      + " (scripts/install-deps.sh installs slurmctld slurmd slurm-client munge)")
        if not os.access(CLI, os.X_OK):
            self.fail(f"no layerlens-cli at {CLI} (set LAYERLENS_CLI)")
        if not os.path.isfile(LAYERS):
            self.fail(f"no layer file {LAYERS} (set LAYERLENS_SHARED_DATA)")
        tmp = tempfile.TemporaryDirectory(prefix="layerlens-slurm-test-")
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name
        self.cluster = SlurmCluster()
        started = time.monotonic()
        try:
            self.cluster.start()
        except ClusterError as e:
            self.fail(f"the Slurm cluster did not start: {e}")
        # Cleanups run last in, first out: the daemons stop before the folder is removed.
        self.addCleanup(self.cluster.stop)
        print(f"\nslurm cluster up in {time.monotonic() - started:.1f} s ({self.cluster.dir})", file=sys.stderr)

    def test_array_job_and_merge_equal_one_process(self):
        single = os.path.join(self.dir, "single.jsonl")
        out = subprocess.run([CLI, "sweep-model", LAYERS, "--methods", METHODS, "--out", single, "--quiet"],
                             capture_output=True, text=True, timeout=JOB_TIMEOUT)
        self.assertEqual(out.returncode, 0, f"single-process sweep-model failed: {out.stderr}")

        outdir = os.path.join(self.dir, "sweep")
        env = dict(self.cluster.env, LAYERLENS_CLI=CLI)
        started = time.monotonic()
        submit = subprocess.run([SUBMIT, LAYERS, outdir, str(SHARDS), "--methods", METHODS, "--quiet"],
                                env=env, cwd=self.dir, capture_output=True, text=True, timeout=60)
        self.assertEqual(submit.returncode, 0, f"submit-sweep.sh failed: {submit.stderr}")
        ids = dict(re.findall(r"^(array_job_id|merge_job_id)=(\d+)$", submit.stdout, re.M))
        self.assertEqual(set(ids), {"array_job_id", "merge_job_id"}, f"submit-sweep.sh printed: {submit.stdout!r}")
        array_id, merge_id = ids["array_job_id"], ids["merge_job_id"]

        try:
            states = self.cluster.wait_jobs([array_id, merge_id], JOB_TIMEOUT)
        except ClusterError as e:
            self.fail(f"{e}\n{self.job_logs(outdir)}")
        print(f"jobs finished in {time.monotonic() - started:.1f} s: {states}", file=sys.stderr)
        expected = {f"{array_id}_{i}" for i in range(SHARDS)} | {merge_id}
        self.assertEqual(set(states), expected, f"job records: {states}")
        self.assertTrue(all(s == "COMPLETED" for s in states.values()),
                        f"not all jobs COMPLETED: {states}\n{self.job_logs(outdir)}")

        # Each shard was computed by its own array task: its log names it, its rows carry its tag.
        for i in range(SHARDS):
            log = os.path.join(outdir, f"slurm-{array_id}_{i}.out")
            self.assertTrue(os.path.isfile(log), f"no log of array task {i}: {log}")
            with open(log) as f:
                self.assertIn(f"task {i} (array {array_id})", f.read())
            rows = read_rows(os.path.join(outdir, f"shard-{i}.jsonl"))
            self.assertTrue(rows, f"shard {i} is empty")
            tags = {(r["shard"]["index"], r["shard"]["count"]) for r in rows}
            self.assertEqual(tags, {(i, SHARDS)}, f"shard-{i}.jsonl carries shard tags {tags}")
        shard_files = sorted(n for n in os.listdir(outdir) if re.fullmatch(r"shard-\d+\.jsonl", n))
        self.assertEqual(shard_files, [f"shard-{i}.jsonl" for i in range(SHARDS)])
        self.assertFalse([n for n in os.listdir(outdir) if n.endswith(".partial")], "a .partial file was left")

        expected_rows = read_rows(single)
        merged_rows = read_rows(os.path.join(outdir, "merged.jsonl"))
        self.assertEqual(len(merged_rows), len(expected_rows), "merged.jsonl and the single run differ in rows")
        for n, (m, s) in enumerate(zip(merged_rows, expected_rows), start=1):
            if without_times(m) != without_times(s):
                self.fail(f"row {n} of merged.jsonl differs from the single run "
                          f"({s.get('layer')} {s.get('method')}): {first_difference(without_times(m), without_times(s))}")

    def job_logs(self, outdir):
        parts = []
        if os.path.isdir(outdir):
            for name in sorted(os.listdir(outdir)):
                if name.startswith("slurm-") and name.endswith(".out"):
                    with open(os.path.join(outdir, name), errors="replace") as f:
                        parts.append(f"--- {name} ---\n{f.read()[-3000:]}")
        return "\n".join(parts) or "(no job logs)"


if __name__ == "__main__":
    unittest.main()
