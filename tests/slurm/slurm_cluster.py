"""A real one-node Slurm cluster (slurmctld + slurmd + its own munged) in a temporary folder,
for tests that submit real batch jobs. Needs root and Debian's slurmctld, slurmd, slurm-client
and munge packages; nothing outside the folder is touched (own ports, own munge key and socket,
own state, spool, pid and log files), so it can run beside a system Slurm or munge.

    with SlurmCluster() as cluster:
        subprocess.run(["sbatch", ...], env=cluster.env)

The node is called localhost and addressed as 127.0.0.1: the machine's own host name may not
resolve (a fresh debootstrap root has no entry for it), localhost always does."""
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SLURMCTLD = "/usr/sbin/slurmctld"
SLURMD = "/usr/sbin/slurmd"
MUNGED = "/usr/sbin/munged"
CLIENTS = ("sbatch", "squeue", "sinfo", "scontrol", "scancel")
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


class ClusterError(RuntimeError):
    pass


def _die_with_parent():
    # In the child before exec: should the test be killed outright (a CTest timeout), so that
    # stop() never runs, the kernel still sends the daemons SIGTERM and nothing is left behind.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def missing_binaries():
    """The daemons and client commands that are not installed (empty when all are)."""
    missing = [p for p in (SLURMCTLD, SLURMD, MUNGED) if not os.access(p, os.X_OK)]
    missing += [c for c in CLIENTS if shutil.which(c) is None]
    try:
        pwd.getpwnam("munge")
    except KeyError:
        missing.append("user munge")
    return missing


def free_port():
    # Bound and released at once: a small race with other programs, acceptable for a test.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                # Below the real size: a node that reports less memory than configured is drained.
                return max(256, int(line.split()[1]) // 1024 // 2)
    return 1024


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"({e})"


class SlurmCluster:
    def __init__(self, start_timeout=60):
        self.start_timeout = start_timeout
        self.dir = None
        self.procs = {}
        self.env = None
        self.conf = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- start ----------------------------------------------------------------------------------
    def start(self):
        if os.geteuid() != 0:
            raise ClusterError("a Slurm cluster with SlurmUser=root needs root")
        missing = missing_binaries()
        if missing:
            raise ClusterError("not installed: " + ", ".join(missing)
                               + " (apt-get install slurmctld slurmd slurm-client munge)")
        self.dir = tempfile.mkdtemp(prefix="layerlens-slurm-")
        # munged runs as munge and must reach its files below this folder.
        os.chmod(self.dir, 0o755)
        try:
            self._start_munge()
            self._write_conf()
            self.env = dict(os.environ, SLURM_CONF=self.conf)
            # Slurm variables of an enclosing job would confuse the client commands.
            for name in list(self.env):
                if name.startswith(("SLURM_", "SBATCH_", "SQUEUE_", "SINFO_")) and name != "SLURM_CONF":
                    del self.env[name]
            self._spawn("slurmctld", [SLURMCTLD, "-D", "-f", self.conf])
            self._spawn("slurmd", [SLURMD, "-D", "-N", "localhost", "-f", self.conf])
            self._wait_idle()
        except BaseException:
            self.stop()
            raise
        return self

    def _path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _spawn(self, name, argv, **kwargs):
        # Own session: a Ctrl-C in the test's terminal reaches the test, which then stops these.
        log = open(self._path(name + ".stdout"), "wb")
        try:
            self.procs[name] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True,
                                                preexec_fn=_die_with_parent, **kwargs)
        finally:
            log.close()

    def _start_munge(self):
        munge = pwd.getpwnam("munge")
        mdir = self._path("munge")
        os.mkdir(mdir)
        os.chown(mdir, munge.pw_uid, munge.pw_gid)
        # munged insists: the socket's folder searchable by all (clients must reach the socket),
        # writable by its owner only.
        os.chmod(mdir, 0o755)
        self.munge_key = os.path.join(mdir, "munge.key")
        self.munge_socket = os.path.join(mdir, "munge.socket")
        with open("/dev/urandom", "rb") as r, open(self.munge_key, "wb") as w:
            w.write(r.read(1024))
        os.chown(self.munge_key, munge.pw_uid, munge.pw_gid)
        os.chmod(self.munge_key, 0o400)
        # Started as the munge user directly (not through runuser), so the process id we keep is
        # munged's own and stop() can signal it. -F keeps it in the foreground for the same reason;
        # in the foreground munged logs to stderr (munged.stdout), not to a --log-file.
        self._spawn("munged", [MUNGED, "-F", "--key-file=" + self.munge_key, "--socket=" + self.munge_socket,
                               "--pid-file=" + os.path.join(mdir, "munged.pid"),
                               "--seed-file=" + os.path.join(mdir, "munged.seed")],
                    user=munge.pw_uid, group=munge.pw_gid, extra_groups=[], cwd=mdir,
                    env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        deadline = time.monotonic() + 10
        while not os.path.exists(self.munge_socket):
            if self.procs["munged"].poll() is not None or time.monotonic() > deadline:
                raise ClusterError("munged did not start:\n" + tail(self._path("munged.stdout")))
            time.sleep(0.05)

    def _write_conf(self):
        for d in ("state", "spool"):
            os.mkdir(self._path(d), 0o755)
        self.conf = self._path("slurm.conf")
        settings = [
            "ClusterName=layerlens-test",
            "SlurmctldHost=localhost(127.0.0.1)",
            f"SlurmctldPort={free_port()}",
            f"SlurmdPort={free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={self._path('state')}",
            f"SlurmdSpoolDir={self._path('spool')}",
            f"SlurmctldPidFile={self._path('slurmctld.pid')}",
            f"SlurmdPidFile={self._path('slurmd.pid')}",
            f"SlurmctldLogFile={self._path('slurmctld.log')}",
            f"SlurmdLogFile={self._path('slurmd.log')}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            "MpiDefault=none",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SwitchType=switch/none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MailProg=/bin/true",   # no mail here; the default /usr/bin/mail is absent
            # Finished jobs stay visible to `scontrol show job` for the whole test (no sacct here).
            "MinJobAge=3600",
            # Quick to notice the node and to kill what is cancelled at stop().
            "SlurmdTimeout=30",
            "KillWait=5",
            f"NodeName=localhost NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} RealMemory={memory_mb()} State=UNKNOWN",
            "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
        ]
        with open(self.conf, "w") as f:
            f.write("# Written by tests/slurm/slurm_cluster.py for one test run.\n")
            f.write("\n".join(settings) + "\n")
        # Without one beside slurm.conf, Slurm would read /etc/slurm/plugstack.conf and its plugins.
        with open(self._path("plugstack.conf"), "w") as f:
            f.write("")
        # slurmd 22.05 starts its cgroup plugin even with proctrack/linuxproc and task/none, and
        # by default detects the cgroup version from what is mounted on /sys/fs/cgroup: in a
        # chroot (the fresh Debian root binds /sys without its submounts) nothing is, and slurmd
        # stops with "No filesystem mounted on /sys/fs/cgroup". Naming the plugin skips that
        # detection, and an empty mount point of our own keeps it off the machine's hierarchy.
        os.mkdir(self._path("cgroup"), 0o755)
        with open(self._path("cgroup.conf"), "w") as f:
            f.write(f"CgroupPlugin=cgroup/v1\nCgroupMountpoint={self._path('cgroup')}\n")

    def logs(self):
        parts = []
        for name in ("slurmctld.log", "slurmd.log", "slurmctld.stdout", "slurmd.stdout", "munged.stdout"):
            path = self._path(name)
            if os.path.exists(path) and os.path.getsize(path):
                parts.append(f"--- {name} (last lines) ---\n{tail(path)}")
        return "\n".join(parts)

    def _wait_idle(self):
        deadline = time.monotonic() + self.start_timeout
        state = ""
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise ClusterError(f"{name} exited with {proc.returncode} while starting\n{self.logs()}")
            out = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False)
            state = (out.stdout + out.stderr).strip()
            if out.returncode == 0 and state.split()[-1:] == ["idle"]:
                return
            time.sleep(0.2)
        raise ClusterError(f"the node was not idle after {self.start_timeout} s (sinfo: {state!r})\n{self.logs()}")

    # ---- use --------------------------------------------------------------------------------------
    def run(self, *argv, check=True, timeout=60, **kwargs):
        out = subprocess.run(list(argv), env=self.env, capture_output=True, text=True, timeout=timeout, **kwargs)
        if check and out.returncode != 0:
            raise ClusterError(f"{' '.join(argv)} exited {out.returncode}: {out.stderr.strip()}")
        return out

    def job_states(self, job_id):
        """{job id (array tasks as 12_0): state} from `scontrol show job` (no accounting here)."""
        out = self.run("scontrol", "-o", "show", "job", str(job_id))
        states = {}
        for line in out.stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if "JobState" not in fields:
                continue
            key = fields.get("JobId", str(job_id))
            if fields.get("ArrayJobId") and fields.get("ArrayTaskId"):
                key = f"{fields['ArrayJobId']}_{fields['ArrayTaskId']}"
            states[key] = fields["JobState"]
        return states

    def wait_jobs(self, job_ids, timeout):
        """Waits until no task of these jobs is pending or running; returns their states."""
        final = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                 "BOOT_FAIL", "DEADLINE", "PREEMPTED"}
        deadline = time.monotonic() + timeout
        while True:
            states = {}
            for job in job_ids:
                states.update(self.job_states(job))
            # A pending array shows one record for its not yet started tasks ("1-2"); done when
            # every record is final. A merge job whose dependency failed stays PENDING for good.
            if states and all(s in final for s in states.values()):
                return states
            if time.monotonic() > deadline:
                raise ClusterError(f"jobs {job_ids} not finished after {timeout} s: {states}\n{self.logs()}")
            time.sleep(0.5)

    # ---- stop -------------------------------------------------------------------------------------
    def _job_steps(self):
        """Process ids of slurmstepd processes of this cluster: slurmd double-forks them, so they
        are no children of ours; they are told apart by their open files in our folder."""
        pids = []
        if not self.dir:
            return pids
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() != "slurmstepd":
                        continue
                fds = os.listdir(f"/proc/{entry}/fd")
                targets = []
                for fd in fds:
                    try:
                        targets.append(os.readlink(f"/proc/{entry}/fd/{fd}"))
                    except OSError:
                        pass
                targets.append(os.readlink(f"/proc/{entry}/cwd"))
            except OSError:
                continue
            if any(t.startswith(self.dir + os.sep) for t in targets):
                pids.append(int(entry))
        return pids

    def stop(self):
        if self.env and self.procs.get("slurmctld") and self.procs["slurmctld"].poll() is None:
            # Cancelled jobs are killed by their slurmstepd while the daemons still run.
            self.run("scancel", "--user", "root", check=False, timeout=15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                out = self.run("squeue", "-h", "-o", "%i", check=False, timeout=15)
                if out.returncode != 0 or not out.stdout.strip():
                    break
                time.sleep(0.3)
        # Slurm first, munged last: the daemons talk to munge until they exit.
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for pid in self._job_steps():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.procs = {}
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


if __name__ == "__main__":
    # A quick check by hand: start, run a 3-task array, print the states and timings, stop.
    t0 = time.monotonic()
    with SlurmCluster() as c:
        t1 = time.monotonic()
        print(f"cluster up in {t1 - t0:.2f} s; {c.run('sinfo').stdout.strip()}")
        out = c.run("sbatch", "--parsable", "--array=0-2", "-o", os.path.join(c.dir, "hello-%A_%a.out"),
                    "--wrap", "hostname; echo task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT")
        job = out.stdout.strip().split(";")[0]
        print("states", c.wait_jobs([job], 60), f"after {time.monotonic() - t1:.2f} s")
        for name in sorted(os.listdir(c.dir)):
            if name.startswith("hello-"):
                print(name, open(os.path.join(c.dir, name)).read().strip().replace("\n", " | "))
    print(f"stopped; total {time.monotonic() - t0:.2f} s")
